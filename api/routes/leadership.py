"""Leaders' stories, mentor training paths and leaders' figures over the API."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUser, ServicesDep, SessionDep
from companion.leadership import accountability, stories, training
from companion.leadership.models import Story
from companion.leadership.schemas import (
    AccountabilitySwitch,
    AccountabilityView,
    GroupConsent,
    LeaderFigures,
    PathProgressRow,
    StepUpdate,
    StoryPublic,
    StorySuggestion,
    StoryWrite,
    TrainingPathCreate,
    TrainingPathPublic,
)

router = APIRouter(prefix="/api/v1", tags=["leadership"])

STORY = "/stories/{story_id}"
# Suggestions and approval dates are for the author and coordinators only.
ONLY_WHAT_THEY_MAY_READ = {"response_model_exclude_unset": True}


def _public(session: SessionDep, story: Story, user: CurrentUser) -> StoryPublic:
    return stories.public(session=session, story=story, principal=user)


@router.get("/stories", response_model=list[StoryPublic], **ONLY_WHAT_THEY_MAY_READ)
def list_stories(
    session: SessionDep, user: CurrentUser, group: str | None = None
) -> list[StoryPublic]:
    """Published stories, newest first; under a group only those whose author consents."""
    listed = stories.published(session=session, principal=user, group=group, limit=100)
    return [_public(session, s, user) for s in listed]


@router.post(
    "/stories",
    response_model=StoryPublic,
    status_code=status.HTTP_201_CREATED,
    **ONLY_WHAT_THEY_MAY_READ,
)
def write_story(body: StoryWrite, session: SessionDep, user: CurrentUser) -> StoryPublic:
    return _public(session, stories.create(session=session, principal=user, data=body), user)


@router.get(STORY, response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def read_story(story_id: int, session: SessionDep, user: CurrentUser) -> StoryPublic:
    return _public(session, stories.get(session=session, story_id=story_id, principal=user), user)


@router.put(STORY, response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def edit_story(
    story_id: int, body: StoryWrite, session: SessionDep, user: CurrentUser
) -> StoryPublic:
    story = stories.edit(session=session, story_id=story_id, principal=user, data=body)
    return _public(session, story, user)


@router.post(STORY + "/approve", response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def approve_story(story_id: int, session: SessionDep, user: CurrentUser) -> StoryPublic:
    """The author approves the text as it stands: a coordinator may then publish it."""
    story = stories.approve(session=session, story_id=story_id, principal=user)
    return _public(session, story, user)


@router.post(STORY + "/suggestion", response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def suggest_edit(
    story_id: int, body: StorySuggestion, session: SessionDep, user: CurrentUser
) -> StoryPublic:
    story = stories.suggest(session=session, story_id=story_id, principal=user, data=body)
    return _public(session, story, user)


@router.post(STORY + "/suggestion/take", response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def take_suggestion(story_id: int, session: SessionDep, user: CurrentUser) -> StoryPublic:
    story = stories.take_suggestion(session=session, story_id=story_id, principal=user)
    return _public(session, story, user)


@router.post(STORY + "/publish", response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def publish_story(
    story_id: int, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> StoryPublic:
    """A coordinator publishes the text its author approved, into the knowledge base."""
    story = stories.publish(
        session=session, kb_=services.knowledge_base, story_id=story_id, principal=user
    )
    return _public(session, story, user)


@router.post(STORY + "/withdraw", response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def withdraw_story(
    story_id: int, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> StoryPublic:
    story = stories.withdraw(
        session=session, kb_=services.knowledge_base, story_id=story_id, principal=user
    )
    return _public(session, story, user)


@router.put(STORY + "/group", response_model=StoryPublic, **ONLY_WHAT_THEY_MAY_READ)
def consent_to_group(
    story_id: int, body: GroupConsent, session: SessionDep, user: CurrentUser
) -> StoryPublic:
    """The author lists the story under a group, or (group null) withdraws that consent."""
    story = stories.consent_to_group(session=session, story_id=story_id, principal=user, data=body)
    return _public(session, story, user)


@router.get("/training/paths", response_model=list[TrainingPathPublic])
def list_paths(session: SessionDep, user: CurrentUser) -> list[TrainingPathPublic]:
    """Paths of the programs you mentor in or coordinate, with your own progress."""
    return [
        training.view(session=session, path=p, principal=user)
        for p in training.paths_of(session=session, principal=user)
    ]


@router.post(
    "/programs/{program_id}/training-paths",
    response_model=TrainingPathPublic,
    status_code=status.HTTP_201_CREATED,
)
def create_path(
    program_id: int, body: TrainingPathCreate, session: SessionDep, user: CurrentUser
) -> TrainingPathPublic:
    path = training.create_path(session=session, program_id=program_id, principal=user, data=body)
    return training.view(session=session, path=path, principal=user)


@router.get("/training/paths/{path_id}", response_model=TrainingPathPublic)
def read_path(path_id: int, session: SessionDep, user: CurrentUser) -> TrainingPathPublic:
    path = training.get_path(session=session, path_id=path_id, principal=user)
    return training.view(session=session, path=path, principal=user)


@router.get("/training/paths/{path_id}/progress", response_model=list[PathProgressRow])
def path_progress(path_id: int, session: SessionDep, user: CurrentUser) -> list[PathProgressRow]:
    """For the program's coordinators: steps done and completion per mentor, no reflections."""
    return training.progress_table(session=session, path_id=path_id, principal=user)


@router.put("/training/steps/{step_id}", response_model=TrainingPathPublic)
def save_step(
    step_id: int, body: StepUpdate, session: SessionDep, user: CurrentUser
) -> TrainingPathPublic:
    step = training.save_step(session=session, step_id=step_id, principal=user, data=body)
    return training.view(session=session, path=step.path, principal=user)


@router.get("/leadership/me", response_model=list[LeaderFigures])
def my_figures(session: SessionDep, user: CurrentUser) -> list[LeaderFigures]:
    """Your own figures as a leader, in each program where you mentor."""
    return accountability.my_figures(session=session, principal=user)


@router.get("/programs/{program_id}/leaders", response_model=AccountabilityView)
def program_leaders(program_id: int, session: SessionDep, user: CurrentUser) -> AccountabilityView:
    """Administrators and the program's coordinators, while the program has it turned on."""
    return accountability.program_view(session=session, program_id=program_id, principal=user)


@router.put("/programs/{program_id}/leaders/switch", response_model=AccountabilityView)
def switch_leaders(
    program_id: int, body: AccountabilitySwitch, session: SessionDep, user: CurrentUser
) -> AccountabilityView:
    accountability.switch(
        session=session, program_id=program_id, principal=user, turned_on=body.turned_on
    )
    return accountability.program_view(session=session, program_id=program_id, principal=user)
