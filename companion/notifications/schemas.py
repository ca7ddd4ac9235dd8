"""The contract of notification settings and team chats, for the API and the pages."""

from __future__ import annotations

from pydantic import BaseModel, Field

from companion.notifications.models import Delivery, Kind


class KindPreference(BaseModel):
    kind: Kind
    label: str = Field(description="What the kind is, in words.")
    delivery: Delivery
    default: Delivery


class PreferencesPublic(BaseModel):
    kinds: list[KindPreference]


class PreferencesUpdate(BaseModel):
    """The kinds to change, each to `immediately`, `digest` or `off`; others stay."""

    choices: dict[str, Delivery] = Field(
        description='Kind -> delivery, e.g. {"thread_messages": "off"}.'
    )


class TeamChatUpdate(BaseModel):
    webhook_url: str = Field(
        min_length=8,
        max_length=500,
        description="A Slack or Microsoft Teams incoming webhook (https).",
    )


class TeamChatPublic(BaseModel):
    program_id: int
    configured: bool
    host: str | None = Field(
        default=None, description="The webhook's host only: the address itself is a secret."
    )
    set_by: str | None = None
