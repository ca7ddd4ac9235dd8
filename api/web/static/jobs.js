// A job's page follows the job without reloading: it asks for the job's progress every
// two seconds, and reloads once the job has finished, to show the result or the error.
// Without JavaScript the page refreshes itself instead (a meta refresh in <noscript>).
(() => {
  const panel = document.getElementById("job");
  if (!panel || panel.dataset.state !== "running") {
    return;
  }
  const bar = document.getElementById("job-progress");
  const count = document.getElementById("job-count");
  const step = document.getElementById("job-step");
  const poll = async () => {
    try {
      const answer = await fetch(`/jobs/${panel.dataset.job}/progress`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (answer.ok) {
        const job = await answer.json();
        if (job.state !== "running") {
          window.location.reload();
          return;
        }
        bar.max = job.steps_total;
        bar.value = job.steps_done;
        bar.textContent = `${job.steps_done} of ${job.steps_total}`;
        count.textContent = `${job.steps_done} of ${job.steps_total} steps`;
        step.textContent = job.step;
      }
    } catch {
      // The server is restarting or the network dropped: try again at the next tick.
    }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 1000);
})();
