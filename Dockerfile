# The service in one image: the app processes and the worker of compose.yaml run it.
# It cannot be built on the machines this project is developed on (no Docker daemon
# there); deploy/scaled.py runs the same layout from the machine's own packages.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    HF_HUB_OFFLINE=1 \
    ORT_DISABLE_TELEMETRY=1 \
    ANONYMIZED_TELEMETRY=False \
    COMPANION_DATA_DIR=/var/lib/companion

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY companion companion
COPY embeddings embeddings
COPY knowledge knowledge
COPY prompts prompts

# The CPU build of torch (the default wheel on PyPI is a multi-GB CUDA build), then the
# service with the PostgreSQL driver; everything is fetched now, nothing at run time.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir '.[postgres]' torch==2.13.0 \
 && python -m embeddings.export >/dev/null

RUN useradd --system --home /var/lib/companion companion \
 && mkdir -p /var/lib/companion && chown companion /var/lib/companion
USER companion
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["companion", "serve", "--host", "0.0.0.0", "--port", "8000"]
