"""A draft's validated content as plain text for the people who review and receive it."""

from __future__ import annotations

from typing import Any

from prompts.schemas import DraftKind


def _bullets(items: list[str], indent: str = "- ") -> list[str]:
    return [f"{indent}{item}" for item in items]


def render_text(kind: DraftKind, content: dict[str, Any]) -> str:
    lines: list[str] = []
    if kind == DraftKind.agenda:
        lines += ["Objectives:", *_bullets(content["objectives"]), "", "Plan:"]
        lines += [
            f"- {item['minutes']} min  {item['topic']}"
            + (f" — {item['notes']}" if item["notes"] else "")
            for item in content["items"]
        ]
        lines += ["", "Questions to ask:", *_bullets(content["questions"])]
        prep = content["preparation"]
        lines += ["", "Before the session, the mentor:", *_bullets(prep["mentor"] or ["nothing"])]
        lines += ["The mentee:", *_bullets(prep["mentee"] or ["nothing"])]
    elif kind == DraftKind.brief:
        lines += ["Last time:", content["last_time"], ""]
        lines += ["Open action items:", *_bullets(content["open_actions"] or ["none"]), ""]
        lines += ["Goals:", *_bullets(content["goal_progress"] or ["none shared yet"])]
        if content["guidance"]:
            lines += ["", "From the knowledge base:"]
            lines += [f"- {g['snippet']} [{g['document_id']}]" for g in content["guidance"]]
    elif kind == DraftKind.smart_goal:
        lines += [content["goal"], ""]
        for part in ("specific", "measurable", "achievable", "relevant", "time_bound"):
            lines.append(f"{part.replace('_', '-').capitalize()}: {content[part]}")
        lines += [f"Target date: {content['target_date']}", "", "Milestones:"]
        lines += [f"- {m['text']} (by {m['due_date']})" for m in content["milestones"]]
    elif kind == DraftKind.smart_check:
        for verdict in content["verdicts"]:
            mark = "met" if verdict["met"] else "missing"
            lines.append(f"- {verdict['criterion'].replace('_', '-')}: {mark} — {verdict['why']}")
        lines += ["", f"Suggested rewrite: {content['suggested_rewrite']}"]
    elif kind == DraftKind.feedback_prompts:
        lines += ["For the mentee:", *_bullets(content["for_mentee"]), ""]
        lines += ["For the mentor:", *_bullets(content["for_mentor"])]
    elif kind == DraftKind.answer:
        lines.append(content["answer"])
        if content["claims"]:
            lines += ["", "Sources:"]
            lines += [f"- {c['text']} [{', '.join(c['citations'])}]" for c in content["claims"]]
    elif kind == DraftKind.nudge:
        lines += [f"Subject: {content['subject']}", "", content["message"], ""]
        lines.append(f"Suggested next step: {content['suggested_next_step']}")
    elif kind == DraftKind.success_story:
        lines += [content["title"], "", content["story"], "", "Takeaways:"]
        lines += _bullets(content["takeaways"])
    citations = content.get("citations") or []
    if citations:
        lines += ["", f"Guidance cited: {', '.join(citations)}"]
    return "\n".join(lines).strip() + "\n"
