"""Goal coaching, the offline SMART goal, the calibrated SMART check and its word lists."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from companion.drafting import kinds
from companion.drafting.goal_families import (
    GoalFamilies,
    GoalWordsError,
    SmartWords,
    family_of,
    goal_families,
    load,
    smart_words,
)
from companion.drafting.kinds.smart_check import check_smart, check_text, smart_eval, stated_dates
from companion.drafting.kinds.smart_goal import coach, compose_goal
from prompts.schemas import (
    CRITERIA,
    CriterionVerdict,
    DraftKind,
    GoalSummary,
    Person,
    SmartCheck,
    SmartCheckInput,
    SmartGoal,
    SmartGoalInput,
)

TODAY = date(2026, 12, 5)
MENTEE = Person(name="Maya Lindqvist", role="mentee", title="Software Engineer")
DATA = Path(__file__).parent / "data"
TUNING = DATA / "smart_goals_tuning.jsonl"
# Phrases a goal must never contain: a template wrapped around raw text, or a seam.
BROKEN = re.compile(
    r"work towards|\b(\w+) \1\b|\bby by\b|\bI will I\b|\bI will (?:honestly|i want)\b|"
    r"\bshown by\b|\.\.(?!\.)|\bdone when done\b",
    re.IGNORECASE,
)


def statuses(check: SmartCheck) -> dict[str, str]:
    return {v.criterion: v.status for v in check.verdicts}


class TestCoaching:
    def test_each_gap_gets_one_concrete_question_and_at_most_two_suggestions(self) -> None:
        coaching = coach("I want to get better at system design", today=TODAY)

        assert coaching.open == ["specific", "measurable", "time_bound"]
        for verdict in coaching.check.verdicts:
            if verdict.status == "met":
                assert verdict.question == "" and verdict.suggestions == []
            else:
                assert verdict.question.endswith("?")
                assert len(verdict.suggestions) <= 2
        asked = {v.criterion: v.question for v in coaching.check.verdicts}
        assert asked["time_bound"] == "By when?"
        assert asked["measurable"] == "How will you and your mentor know it is done?"

    def test_the_goal_is_composed_from_the_mentees_words_and_answers(self) -> None:
        text = (
            "honestly I want people outside my team to take me seriously in design "
            "discussions. right now I stay quiet in the architecture forum"
        )
        answers = {
            "specific": "present one design proposal at the architecture forum",
            "measurable": "when I have presented it and two people from other teams commented",
            "time_bound": "by the end of March",
        }

        coaching = coach(text, answers, today=TODAY)
        again = coach(coaching.goal, today=TODAY)

        assert coaching.goal == (
            "I want people outside my team to take me seriously in design discussions. "
            "Right now I stay quiet in the architecture forum. "
            "I will present one design proposal at the architecture forum. "
            "Done when I have presented it and two people from other teams commented. "
            "By the end of March."
        )
        assert coaching.complete and coaching.target_date == date(2027, 3, 31)
        # Drafting from the composed goal keeps all of it.
        assert again.goal == coaching.goal and again.complete

    def test_before_the_answers_it_asks_and_pastes_nothing_into_a_template(self) -> None:
        coaching = coach(
            "honestly I want people outside my team to take me seriously in design discussions.",
            today=TODAY,
        )

        assert "specific" in coaching.open and "time_bound" in coaching.open
        assert not coaching.goal.lower().startswith("honestly")
        assert not BROKEN.search(coaching.goal)

    @pytest.mark.parametrize(
        ("criterion", "answer", "sentence"),
        [
            ("time_bound", "By 30 June 2027", "By 30 June 2027."),
            ("time_bound", "30 June 2027", "By 30 June 2027."),
            ("time_bound", "within 8 weeks", "Within 8 weeks."),
            (
                "measurable",
                "done when my manager signs it off",
                "Done when my manager signs it off.",
            ),
            ("measurable", "we'll know when the doc is merged", "Done when the doc is merged."),
            ("specific", "I want to run the retro", "I will run the retro."),
            ("specific", "run the retro", "I will run the retro."),
        ],
    )
    def test_answers_join_without_doubled_words(
        self, criterion: str, answer: str, sentence: str
    ) -> None:
        assert compose_goal("Lead the incident review", {criterion: answer}) == (
            f"Lead the incident review. {sentence}"
        )

    def test_a_goal_in_another_language_is_not_judged_offline(self) -> None:
        coaching = coach(
            "Quiero mejorar mis habilidades de negociación y sentirme más segura con los "
            "clientes grandes.",
            today=TODAY,
        )

        assert set(statuses(coaching.check).values()) == {"unclear"}
        assert all("cannot assess it offline" in v.why for v in coaching.check.verdicts)
        assert all(
            "review it against this criterion with your mentor" in v.why
            for v in coaching.check.verdicts
        )
        assert [v.question for v in coaching.check.verdicts][-1] == "By when?"


class TestSmartGoalDraft:
    def aspiration(self, text: str, **changes: object) -> SmartGoalInput:
        values: dict[str, object] = {
            "program_name": "Engineering Mentoring 2026",
            "today": TODAY,
            "mentee": MENTEE,
            "aspiration": text,
        }
        values.update(changes)
        return SmartGoalInput.model_validate(values)

    @pytest.mark.parametrize(
        ("program_end", "target"),
        [
            (date(2027, 5, 31), date(2027, 5, 31)),
            (None, TODAY + timedelta(weeks=12)),
            (TODAY, TODAY + timedelta(weeks=12)),  # the program end is not after today
            (TODAY + timedelta(days=2), TODAY + timedelta(days=2)),
        ],
    )
    def test_dates_are_after_today_and_in_order(
        self, program_end: date | None, target: date
    ) -> None:
        goal = kinds.draft(
            DraftKind.smart_goal,
            self.aspiration("I want to lead a design review", program_end=program_end),
        )

        assert goal.target_date == target
        dates = [m.due_date for m in goal.milestones]
        assert all(d is not None and TODAY < d <= target for d in dates)
        assert dates == sorted(dates) and dates[-1] == target

    def test_a_stated_deadline_becomes_the_target_date(self) -> None:
        goal = kinds.draft(
            DraftKind.smart_goal,
            self.aspiration(
                "Give three internal talks on our testing strategy before 30 June 2027"
            ),
        )

        assert goal.target_date == date(2027, 6, 30)
        assert goal.goal == "Give three internal talks on our testing strategy before 30 June 2027."

    @pytest.mark.parametrize(
        "aspiration",
        [
            "honestly I want people outside my team to take me seriously in design "
            "discussions. right now I stay quiet in the architecture forum",
            "I want to become a tech lead in a year or so",
            "improve my written English",
            "Something about my future",
            "I would like a promotion to senior engineer",
        ],
    )
    def test_the_aspiration_is_never_pasted_into_a_template(self, aspiration: str) -> None:
        goal = kinds.draft(DraftKind.smart_goal, self.aspiration(aspiration))

        for text in (goal.goal, *(m.text for m in goal.milestones)):
            assert not BROKEN.search(text), text
        assert not goal.goal.lower().startswith(("honestly", "by "))

    def test_the_meaning_is_kept(self) -> None:
        goal = kinds.draft(DraftKind.smart_goal, self.aspiration("improve my written English"))

        dumped = json.dumps(goal.model_dump(mode="json")).lower()
        assert "publish" not in dumped and "pieces" not in dumped
        assert goal.goal == "Improve my written English."
        assert goal.specific.startswith("To answer: What exactly will you do")
        assert goal.time_bound.startswith("To answer: By when?")

    def test_a_goal_plainly_of_a_family_gets_its_milestones(self) -> None:
        goal = kinds.draft(DraftKind.smart_goal, self.aspiration("I want to lead a design review"))

        assert goal.goal == "I will lead a design review."
        assert "Lead a design review with my mentor reviewing my plan" in goal.milestones[1].text

    def test_answers_given_with_the_aspiration_are_used(self) -> None:
        data = self.aspiration(
            "improve my written English",
            answers={
                "specific": "write the design doc for the billing migration myself",
                "measurable": "when it is merged with no language edits from my reviewer",
                "time_bound": "end of April 2027",
            },
        )

        goal = kinds.draft(DraftKind.smart_goal, data)

        assert goal.goal.startswith(
            "Improve my written English. I will write the design doc for the billing migration"
        )
        assert goal.target_date == date(2027, 4, 30)
        assert not goal.time_bound.startswith("To answer")


class TestCheckSmart:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            # The rubric's worked examples.
            (
                "Run two brown-bag sessions on our contract tests before 31 March 2027 and get "
                "10+ feedback forms after each",
                dict.fromkeys(CRITERIA, "met"),
            ),
            (
                "I want to get better at system design",
                {
                    **dict.fromkeys(CRITERIA, "met"),
                    "specific": "missing",
                    "measurable": "missing",
                    "time_bound": "missing",
                },
            ),
            (
                "Get promoted to staff engineer by March",
                {**dict.fromkeys(CRITERIA, "met"), "achievable": "missing"},
            ),
            (
                "Pass the FAR section with 75 or higher",
                {**dict.fromkeys(CRITERIA, "met"), "time_bound": "missing"},
            ),
            (
                "Learn the new pension regulations by end of January 2027",
                {**dict.fromkeys(CRITERIA, "met"), "measurable": "missing"},
            ),
            (
                "Finish the wound-care certificate before my annual review",
                {**dict.fromkeys(CRITERIA, "met"), "time_bound": "unclear"},
            ),
            (
                "Learn to bake sourdough, one loaf a week until March",
                {**dict.fromkeys(CRITERIA, "met"), "relevant": "missing"},
            ),
            # The example, once judged not achievable and not relevant.
            (
                "Give three internal talks on our testing strategy before 30 June 2027 and "
                "collect a rating from each audience",
                dict.fromkeys(CRITERIA, "met"),
            ),
        ],
    )
    def test_the_rubric_examples(self, text: str, expected: dict[str, str]) -> None:
        assert statuses(check_text(text, today=TODAY)) == expected

    @pytest.mark.parametrize(
        ("text", "criterion", "status"),
        [
            ("Move into management at some point", "specific", "missing"),
            ("Tidy up the shared drive by the end of January 2027", "specific", "unclear"),
            ("Become fluent in Japanese in two weeks", "achievable", "missing"),
            ("Win the regional employee-of-the-year award in 2027", "achievable", "missing"),
            ("Apply for the emerging leaders programme by 1 March 2027", "achievable", "met"),
            ("Pass the CKA exam by 30 June 2027", "achievable", "met"),
            ("Pass the CKA exam by 30 June 2027", "relevant", "met"),
            ("Present my roadmap to the board by 30 September 2026", "time_bound", "unclear"),
            ("Pass the CKA exam soon", "time_bound", "missing"),
            ("Pass the CKA exam within 8 weeks", "time_bound", "met"),
            ("Pass the CKA exam in Q3 2027", "time_bound", "met"),
        ],
    )
    def test_each_criterion(self, text: str, criterion: str, status: str) -> None:
        verdict = next(
            v for v in check_text(text, today=TODAY).verdicts if v.criterion == criterion
        )

        assert verdict.status == status, verdict.why
        assert bool(verdict.question) == (status != "met")

    def test_relevance_is_judged_against_the_role(self) -> None:
        text = "Complete an online course in graphic design by 31 March 2027"

        nurse = check_text(text, today=TODAY, role="staff nurse")
        designer = check_text(text, today=TODAY, role="junior graphic designer")

        assert statuses(nurse)["relevant"] == "unclear"
        assert statuses(designer)["relevant"] == "met"

    def test_a_doubt_that_it_is_worth_it_for_the_job_is_unclear(self) -> None:
        doubted = check_text(
            "Learn SQL by 31 March 2027, not sure if it's worth it for my job", today=TODAY
        )
        plain = check_text("Learn SQL by 31 March 2027 for my job", today=TODAY)

        assert statuses(doubted)["relevant"] == "unclear"
        assert statuses(plain)["relevant"] == "met"

    def test_a_target_date_already_past_is_unclear_and_asks_for_a_new_one(self) -> None:
        check = check_smart(
            GoalSummary(title="Pass the CKA exam", target_date=date(2025, 1, 1)), today=TODAY
        )

        verdict = next(v for v in check.verdicts if v.criterion == "time_bound")
        assert verdict.status == "unclear" and "new" in verdict.question

    def test_the_rewrite_keeps_the_goal_and_asks_about_each_gap(self) -> None:
        check = check_text("Get better at system design", today=TODAY)

        assert check.suggested_rewrite == (
            "Get better at system design. [What exactly will you do, and on what?] "
            "[How will you and your mentor know it is done?] [By when?]"
        )

    def test_the_rewrite_of_a_goal_in_parts_reads_as_one_goal(self) -> None:
        # Once "Lead a design review …. Prepare and run …. The review happens, ….": the
        # goal's fields glued one after another.
        goal = GoalSummary(
            title="Lead a design review for a service other teams depend on",
            specific="Prepare and run the design review of the refund retry job for the guild",
            measurable="The review happens, with a written design note",
            target_date=date(2027, 1, 15),
        )

        check = check_smart(goal, today=TODAY)

        assert check.suggested_rewrite == (
            "By 15 January 2027, lead a design review for a service other teams depend "
            "on: prepare and run the design review of the refund retry job for the guild. "
            "Evidence: the review happens, with a written design note."
        )

    def test_each_criterion_reads_its_own_fields(self) -> None:
        # Once "measurable: met — It gives something to count: 'me one sprint in three for
        # reliability work'" (the Achievable field) and "It sets a deadline: 'By summer
        # Fewer night pages'" (two fields run together).
        goal = GoalSummary(
            title="Fewer night pages",
            specific="Fix the noisiest alerts on the payments service",
            achievable="My manager gives me one sprint in three for reliability work",
            time_bound="By summer",
        )

        check = check_smart(goal, today=TODAY)
        verdicts = {v.criterion: v for v in check.verdicts}

        assert "sprint" not in verdicts["measurable"].why, verdicts["measurable"]
        assert "summer Fewer" not in verdicts["time_bound"].why, verdicts["time_bound"]

    def test_the_smart_check_draft_is_the_checker(self) -> None:
        goal = GoalSummary(title="Lead the design review for billing by 31 March 2027")
        data = SmartCheckInput(today=TODAY, goal=goal, role="Software Engineer")

        assert kinds.draft(DraftKind.smart_check, data) == check_smart(
            goal, today=TODAY, role="Software Engineer"
        )

    def test_dates_as_people_write_them(self) -> None:
        assert stated_dates("by the 15th of march", TODAY) == [date(2027, 3, 15)]
        assert stated_dates("by end of feb 2027", TODAY) == [date(2027, 2, 28)]
        assert stated_dates("2027-04-30", TODAY) == [date(2027, 4, 30)]
        assert stated_dates("by the end of Q2 2027", TODAY) == [date(2027, 6, 30)]


class TestVerdictModel:
    def test_a_verdict_stored_as_met_true_or_false_still_reads(self) -> None:
        old = CriterionVerdict.model_validate({"criterion": "relevant", "met": False, "why": "x"})

        assert old.status == "missing" and old.question and old.met is False
        assert CriterionVerdict.model_validate(old.model_dump()) == old

    def test_a_verdict_not_met_must_ask(self) -> None:
        with pytest.raises(ValueError, match="ask the mentee one question"):
            CriterionVerdict(criterion="time_bound", status="unclear", why="x")


class TestSmartEval:
    def test_agreement_on_three_values_met_or_not_and_the_overall_verdict(self) -> None:
        entries = [
            {"id": "a", "as_of": "2026-12-05", "text": "Get better at system design",
             "labels": {**dict.fromkeys(CRITERIA, "met"), "specific": "missing",
                        "measurable": "missing", "time_bound": "missing"}},
            # Labelled unclear; the checker says missing: met-or-not agrees, three values do not.
            {"id": "b", "as_of": "2026-12-05", "text": "Pass the CKA exam",
             "labels": {**dict.fromkeys(CRITERIA, "met"), "time_bound": "unclear"}},
        ]  # fmt: skip

        result = smart_eval(entries)

        assert result["per_criterion"]["time_bound"] == 0.5
        assert result["per_criterion_met"]["time_bound"] == 1.0
        assert result["smart_verdict"] == 1.0
        assert result["disagreements"] == [
            {"id": "b", "title": "Pass the CKA exam", "criterion": "time_bound",
             "labelled": "unclear", "checker": "missing"}
        ]  # fmt: skip

    def test_bad_labels_name_the_entry(self) -> None:
        entry = {"id": "x9", "text": "Pass", "labels": {"specific": "maybe"}}
        with pytest.raises(ValueError, match="entry x9"):
            smart_eval([entry], today=TODAY)
        with pytest.raises(ValueError, match="no labelled goals"):
            smart_eval([], today=TODAY)

    def test_agreement_on_the_tuning_half_stays_above_its_floor(self) -> None:
        rows = [json.loads(line) for line in TUNING.read_text(encoding="utf-8").splitlines()]

        result = smart_eval(rows)

        # Measured 92.1 % overall and 89.5 % per criterion when tuned (bench/smart_check.py);
        # the four goals not in English are declined, which caps what can agree.
        assert result["smart_verdict"] >= 0.85, result["disagreements"]
        assert min(result["per_criterion"].values()) >= 0.85, result["disagreements"]


class TestGoalWords:
    def test_the_shipped_files_load(self) -> None:
        assert len(goal_families().families) >= 5
        assert smart_words().pattern("open_time").search("once things calm down")

    def test_a_bad_pattern_is_named_with_its_file_and_entry(self, tmp_path: Path) -> None:
        path = tmp_path / "smart_words.yaml"
        fields = {name: ["ok"] for name in SmartWords.model_fields}
        fields["open_time"] = ["ok", "(unclosed"]
        path.write_text(json.dumps(fields), encoding="utf-8")

        with pytest.raises(GoalWordsError, match=r"smart_words\.yaml: open_time\.1: .*regular"):
            load(SmartWords, path)

    def test_a_missing_field_is_named(self, tmp_path: Path) -> None:
        path = tmp_path / "goal_families.yaml"
        path.write_text("families: []\n", encoding="utf-8")

        with pytest.raises(GoalWordsError, match=r"goal_families\.yaml: families: .*generic"):
            load(GoalFamilies, path)


class TestAStepIntoARole:
    """A goal that names a role ("Become a team leader", or the title alone, as people
    often write it) gets the steps into a role, not the generic ones; a qualification
    or a skill does not."""

    @staticmethod
    def milestones(aspiration: str) -> list[str]:
        data = SmartGoalInput(
            program_name="Growth", today=TODAY, mentee=MENTEE, aspiration=aspiration
        )
        return [m.text for m in kinds.draft(DraftKind.smart_goal, data).milestones]

    @pytest.mark.parametrize(
        ("aspiration", "title"),
        [
            ("Become a shift supervisor", "shift supervisor"),
            ("Senior data engineer", "senior data engineer"),
            ("Head of year", "head of year"),
            ("Substantive ward manager post", "substantive ward manager"),
            ("Team leader in housing", "team leader"),
            ("Assistant buyer within two years", "assistant buyer"),
            ("Promotion to Grade 7 team leader", "Grade 7 team leader"),
            ("sous chef", "sous chef"),
            ("Store manager of a flagship", "store manager"),
            ("Head of field operations, ideally before I'm 35", "head of field operations"),
        ],
    )
    def test_a_role_named_gets_the_steps_into_it(self, aspiration: str, title: str) -> None:
        steps = self.milestones(aspiration)

        assert steps[0] == (
            f"Find out what the step to {title} asks for and talk to two people who have made it"
        )
        assert steps[2].startswith(f"Apply for the {title} role, or agree the step")

    @pytest.mark.parametrize(
        "aspiration",
        [
            "Chartered engineer",
            "Qualify as an architect",
            "Become a better listener",
            "Become confident in meetings",
            "Postgraduate study",
            "Run the team lead sync every week",
        ],
    )
    def test_a_qualification_a_skill_or_an_activity_is_no_role(self, aspiration: str) -> None:
        assert not any("step to" in step for step in self.milestones(aspiration))

    @pytest.mark.parametrize(
        "aspiration",
        [
            "manage a team within two years",
            "I'd like to manage people one day",
            "Lead my own team by end of 2027",
            "I want to lead a team in five years, and in the meantime get better at rotas",
        ],
    )
    def test_leading_people_is_a_step_into_a_role_not_a_meeting(self, aspiration: str) -> None:
        # Not "Lead a team on my own and collect feedback from two participants".
        steps = self.milestones(aspiration)

        assert steps[0] == (
            "Find out what leading a team asks for here and talk to two people who lead one"
        )
        assert steps[2].startswith("Apply for a role leading people")

    def test_to_be_a_title_is_a_role(self) -> None:
        steps = self.milestones("i want to be a team leader but i keep getting turned down")
        assert steps[0].startswith("Find out what the step to team leader asks for")

    @pytest.mark.parametrize(
        "aspiration", ["be a better manager", "be a proper manager without losing everyone"]
    )
    def test_a_kind_of_manager_to_be_is_no_role(self, aspiration: str) -> None:
        assert not any("step to" in step for step in self.milestones(aspiration))

    def test_the_day_of_an_event_is_not_the_goals(self) -> None:
        goal = _drafted("Back from parental leave in March. I want to get up to speed on IFRS 17")
        assert goal.time_bound.startswith("To answer:"), goal.time_bound
        # Said with the goal, it is still its deadline.
        later = _drafted("Starting my new role in May. I want to run the audit by the end of June")
        assert later.target_date == date(2027, 6, 30)

    def test_work_life_balance_is_no_action(self) -> None:
        assert not _drafted("work life balance!!! i answer emails til 11pm").goal.startswith(
            "I will work"
        )

    @pytest.mark.parametrize(
        ("aspiration", "first"),
        [
            ("lead the team retrospective every sprint", "Observe or co-lead the team retro"),
            ("run the platform team's weekly sync", "Observe or co-lead the platform team's"),
            ("run our weekly team meeting", "Observe or co-lead our weekly team meeting"),
            # Their own team: neither a role to get nor a meeting to co-lead.
            ("manage my team better", "Agree with my mentor what done looks like"),
        ],
    )
    def test_leading_a_piece_of_work_or_ones_own_team_is_no_step_into_a_role(
        self, aspiration: str, first: str
    ) -> None:
        assert self.milestones(aspiration)[0].startswith(first)

    def test_someone_who_already_leads_people_is_not_told_to_apply_for_it(self) -> None:
        data = SmartGoalInput(
            program_name="Growth",
            today=TODAY,
            mentee=Person(name="Aoife Byrne", role="mentee", title="Head of Year"),
            aspiration="lead a team in five years",
        )
        steps = [m.text for m in kinds.draft(DraftKind.smart_goal, data).milestones]

        assert not any("Apply for" in step or "leading a team asks" in step for step in steps)

    @pytest.mark.parametrize("aspiration", ["Store manager by 30", "Senior planner"])
    def test_a_title_is_never_said_as_something_to_do(self, aspiration: str) -> None:
        # Not "I will store manager."
        assert not _drafted(aspiration).goal.startswith("I will")

    def test_a_reason_quotes_a_short_goal_whole(self) -> None:
        for aspiration in (
            "Promotion to Grade 7 team leader",
            "Senior associate in the June promotion round",
        ):
            data = SmartGoalInput(
                program_name="Growth", today=TODAY, mentee=MENTEE, aspiration=aspiration
            )
            goal = kinds.draft(DraftKind.smart_goal, data)

            assert f"'{aspiration}'" in goal.measurable

    def test_a_role_named_is_specific_and_the_reason_says_so(self) -> None:
        data = SmartGoalInput(
            program_name="Growth", today=TODAY, mentee=MENTEE, aspiration="Head of year"
        )
        goal = kinds.draft(DraftKind.smart_goal, data)

        assert goal.specific == "It names the role you want: 'Head of year'."


def _drafted(aspiration: str) -> SmartGoal:
    data = SmartGoalInput(program_name="Growth", today=TODAY, mentee=MENTEE, aspiration=aspiration)
    return kinds.draft(DraftKind.smart_goal, data)


class TestWhatASpecificGoalIsSaidToDo:
    """The reason a goal is specific quotes what it does, and only what it does."""

    @staticmethod
    def specific(text: str) -> str:
        return next(
            v.why for v in check_text(text, today=TODAY).verdicts if v.criterion == "specific"
        )

    def test_a_mark_standing_alone_ends_the_object(self) -> None:
        assert "'design /'" not in self.specific("better at motion design / after effects")

    def test_a_noun_followed_by_its_clause_is_no_action(self) -> None:
        # Not "It says what will be done: 'pitch I mean'."
        assert "'pitch I mean'" not in self.specific(
            "learn how to do it well, the client pitch I mean"
        )

    def test_a_word_after_an_article_or_a_possessive_is_no_action(self) -> None:
        # "own" after "with", "lead" after "the": a portfolio and a role, not an action.
        assert self.specific("Qualified underwriter with own portfolio") == (
            "It names what you aim at: 'Qualified underwriter with own portfolio'."
        )
        assert self.specific("Be the lead on the audit") == (
            "It names what you aim at: 'Be the lead on the audit'."
        )
        assert self.specific("Own the release process for the mobile app") == (
            "It says what will be done: 'Own the release process'."
        )

    def test_an_action_behind_a_word_passed_over_is_found(self) -> None:
        # "onboarding" (after "the") is no action, and must not hide "rewriting".
        assert self.specific("Improve the onboarding doc by rewriting the setup section") == (
            "It says what will be done: 'rewriting the setup section'."
        )

    def test_a_named_aim_without_an_action_is_not_said_to_say_what_will_be_done(self) -> None:
        assert (
            self.specific("Chartered engineer") == "It names what you aim at: 'Chartered engineer'."
        )

    def test_securing_a_described_role_gets_the_steps_of_a_job_move(self) -> None:
        steps = [m.text for m in _drafted("Secure an industry R&D role").milestones]

        assert steps[0] == "Describe the target role and talk to two people already doing it"
        assert (
            family_of("Secure an industry R&D role").object_of("Secure an industry R&D role")
            == "an industry R&D role"
        )
        assert family_of("Secure funding for the pilot").name != "job"


class TestAQualificationNamedAlone:
    """People often write the qualification they want and nothing else ("PMP
    certification", "Chartered Engineer (IChemE)"): its steps are an exam's, or a
    professional review's for chartership, not the generic ones."""

    @staticmethod
    def steps(aspiration: str) -> list[str]:
        return [m.text for m in _drafted(aspiration).milestones]

    @pytest.mark.parametrize(
        "aspiration",
        ["PMP certification", "Housing management qualification (CIH Level 4)", "CFA level 1"],
    )
    def test_an_exam_named_gets_a_study_plan(self, aspiration: str) -> None:
        steps = self.steps(aspiration)
        assert steps[0] == "Choose the exam, book a date and set a weekly study plan"
        assert steps[2] == "Sit and pass the exam"

    @pytest.mark.parametrize(
        "aspiration", ["Chartered Engineer (IChemE)", "Chartered with ICE", "IEng within 4 years"]
    )
    def test_chartership_gets_a_professional_review(self, aspiration: str) -> None:
        steps = self.steps(aspiration)
        assert steps[0].startswith("Map my experience against the institution's competence")
        assert (
            steps[2] == "Submit the application and prepare for the professional review interview"
        )
        assert not any("exam" in step for step in steps)

    @pytest.mark.parametrize(
        "aspiration", ["Teach the level 3 group", "Better exam results for my class"]
    )
    def test_a_goal_that_only_mentions_one_is_not_an_exam(self, aspiration: str) -> None:
        assert "Sit and pass the exam" not in self.steps(aspiration)

    def test_a_name_alone_is_not_said_as_something_to_do(self) -> None:
        # Not "I will PMP certification".
        assert _drafted("PMP certification").goal == "PMP certification."


class TestANounThatNeedsItsOf:
    """ "The kind of leader …" is never cut to "the kind": a clause that cannot be kept
    whole leaves the goal to the mentee, and is not offered as a suggestion either."""

    def test_the_kind_of_is_kept_whole_or_left_to_the_mentee(self) -> None:
        goal = _drafted(
            "Become the kind of manager my team actually wants to work for, "
            "not just the loudest voice in meetings"
        )

        assert not re.search(r"\bkind(?! of)\b", goal.goal), goal.goal
        # Nor a role to step into: not "Find out what the step to kind of manager asks for".
        assert not any("kind of" in m.text for m in goal.milestones), goal.milestones

    def test_a_clause_cut_off_is_not_offered_as_an_example(self) -> None:
        goal = _drafted(
            "Become the kind of coach people actually seek out for advice, not the one they avoid"
        )

        assert goal.goal.startswith("My goal: still to write")
        # Not "(for example: Become the kind of coach people actually)".
        assert "people actually" not in goal.specific, goal.specific

    def test_a_couple_keeps_what_it_counts(self) -> None:
        goal = _drafted(
            "I'd like to get a couple of opinion pieces on housing published in the "
            "national papers this year."
        )

        # Not "I will get a couple."
        assert goal.goal == "I will get a couple of opinion pieces.", goal.goal

    @pytest.mark.parametrize(
        ("aspiration", "never"),
        [
            pytest.param(
                "want to be the person everyone goes to for complex subsidence claims, "
                "there's only one guy who really gets them and he's retiring next year",
                r"\bgoes(?! to)\b",  # not "… everyone goes by 31 December 2027."
                id="a-verb-keeps-its-preposition",
            ),
            pytest.param(
                "growing the team from 3 to 8 devs this year and honestly my interviews are a "
                "mess, no structure, i just kind of chat and go with my gut",
                r"gut",  # what they do today, not what they want
                id="how-things-are-after-and",
            ),
            pytest.param(
                "i'm 61 and want to drop to 3 days a week before i retire properly, but i'm "
                "the only one who knows half the kit here so need to hand it on first",
                r"\b(?:before|after|until)\.$",  # not "… 3 days a week before."
                id="never-ends-on-before",
            ),
            pytest.param(
                "Not sure, to be honest. I like the work but I'm exhausted all the time and "
                "I'm wondering whether to drop to four days.",
                r"honest",  # not "I will be honest."
                id="to-be-honest-is-no-goal",
            ),
        ],
    )
    def test_the_goal_is_not_cut_or_taken_from_the_wrong_clause(
        self, aspiration: str, never: str
    ) -> None:
        goal = _drafted(aspiration)

        assert not re.search(never, goal.goal), goal.goal

    def test_wanting_others_to_do_something_keeps_what_they_should_do(self) -> None:
        goal = _drafted(
            "I want the partners in the other practice groups to know who I am and what I "
            "do. At the moment I only really know people in my own team."
        )

        # Not "I want the partners in the other practice groups.": that turns a wish to
        # be known into a wish for the partners.
        assert goal.goal != "I want the partners in the other practice groups.", goal.goal
        assert not goal.goal.startswith("I want the partners"), goal.goal


class TestNotKeptWholeAsAGoal:
    """Texts a second reader wrote, which the draft pasted back as the goal."""

    def test_a_text_that_says_want_is_a_wish_not_a_finished_goal(self) -> None:
        text = (
            "hr advisor wanting to move into L&D, built a couple of workshops already, want "
            "an actual L&D role in the next 6 months"
        )
        goal = _drafted(text)

        assert "built a couple of workshops" not in goal.goal, goal.goal

    def test_not_knowing_what_one_wants_is_no_goal(self) -> None:
        goal = _drafted("I don't really know what I want, my manager put me on this programme")

        assert "don't really know" not in goal.goal, goal.goal
        assert goal.goal.startswith("My goal: still to write"), goal.goal


def _checked(text: str) -> dict[str, object]:
    return {v.criterion: v for v in check_text(text, today=TODAY, role="Team lead").verdicts}


class TestAchievableDoubts:
    """Goals a second reader wrote that the check passed as achievable."""

    def test_an_outcome_in_other_peoples_hands_is_not_met(self) -> None:
        check = _checked("I want them to actually respect me")

        assert check["achievable"].status != "met", check["achievable"]

    @pytest.mark.parametrize(
        ("aspiration", "said"),
        [
            (
                "i'd like to give a talk at a conference next year. never done one. i'm scared "
                "of public speaking",
                "scared of public speaking",
            ),
            (
                "write 3 blog posts about our design system before end of Q2, i always start "
                "them and never finish",
                "always start them and never finish",
            ),
            (
                "go to more networking events, im an introvert and events scare me",
                "events scare me",
            ),
        ],
    )
    def test_a_doubt_the_mentee_states_is_asked_about(self, aspiration: str, said: str) -> None:
        goal = _drafted(aspiration)

        assert goal.achievable.startswith(f"To answer: You wrote '{said}'"), goal.achievable
        # Asked about, not promised as part of the goal.
        assert said not in goal.goal.lower(), goal.goal

    def test_being_trusted_to_do_something_is_theirs_to_decide(self) -> None:
        check = _checked("I will be trusted to draft witness statements.")

        assert check["achievable"].status == "missing", check["achievable"]
        assert "depends on what other people think" in check["achievable"].why
        assert check["achievable"].suggestions[0].startswith("Something you will do")

    @pytest.mark.parametrize(
        ("aspiration", "said"),
        [
            (
                "I want to finish my CIPD level 5 but I never get time with the workload",
                "never get time",
            ),
            ("pass my ACCA exams, only have evenings since i have a toddler", "only have evenings"),
            (
                "Get my AWS certification without burning out, I'm already doing 50 hour weeks",
                "without burning out",
            ),
        ],
    )
    def test_a_constraint_the_mentee_states_is_asked_about(
        self, aspiration: str, said: str
    ) -> None:
        goal = _drafted(aspiration)

        assert goal.achievable.startswith(f"To answer: You wrote '{said}'"), goal.achievable
        assert "how much time a week" in goal.achievable

    def test_the_top_job_by_next_month_is_not_met(self) -> None:
        check = _checked("Become CEO of the company by next month")

        assert check["achievable"].status != "met", check["achievable"]


class TestMilestoneDatesAndCounts:
    """Checkpoints a mentee can keep: on working days, inside the mentoring, and for a
    goal that counts something, the count itself."""

    @staticmethod
    def drafted(aspiration: str, *, timezone: str = "UTC", end: date | None = None) -> SmartGoal:
        mentee = MENTEE.model_copy(update={"timezone": timezone})
        data = SmartGoalInput(
            program_name="Growth",
            today=TODAY,
            mentee=mentee,
            aspiration=aspiration,
            program_end=end,
        )
        return kinds.draft(DraftKind.smart_goal, data)

    def test_checkpoints_fall_on_working_days_of_the_mentee(self) -> None:
        # A third of the way from 5 December 2026 to 3 February 2027 is Christmas Day, a
        # public holiday in Britain (and Boxing Day falls on a Saturday that year).
        goal = self.drafted(
            "I want to lead a design review by 3 February 2027", timezone="Europe/London"
        )
        first, second, last = (m.due_date for m in goal.milestones)

        assert first is not None and second is not None
        for day in (first, second):
            assert day.weekday() < 5, day
            assert (day.month, day.day) not in {(12, 24), (12, 25), (12, 26), (12, 28)}, day
            assert (day.month, day.day) not in {(12, 31), (1, 1)}, day
        assert TODAY < first < second < last == date(2027, 2, 3)

    def test_a_target_after_the_mentoring_keeps_its_checkpoints_inside_it(self) -> None:
        end = date(2027, 4, 23)
        goal = self.drafted("I want to become a tech lead by December 2027", end=end)
        first, second, last = (m.due_date for m in goal.milestones)

        assert first is not None and second is not None and last is not None
        assert first < second <= end < last

    def test_a_counted_goal_is_paced_by_its_count(self) -> None:
        goal = self.drafted("Give three internal talks on our testing strategy before 30 June 2027")
        steps = [m.text for m in goal.milestones]

        assert steps[0].startswith("Give the first of the three internal talks"), steps
        assert steps[1] == "Give the second of the three, and review with my mentor what to change"
        assert steps[2] == "Give the third, and agree with my mentor what comes next"

    def test_a_larger_count_is_paced_in_thirds(self) -> None:
        steps = [m.text for m in self.drafted("I want to publish 6 blog posts").milestones]

        assert steps[0].startswith("Publish 2 of the 6 blog posts"), steps
        assert steps[1].startswith("Publish 4 of the 6, and review"), steps
        assert steps[2].startswith("Publish all 6, and agree"), steps

    def test_the_things_counted_are_named_without_cutting_a_phrase(self) -> None:
        goal = self.drafted(
            "Write 12 new help-centre articles for the most common billing questions this quarter"
        )

        assert goal.milestones[0].text == "Write 4 of the 12 new help-centre articles"

    def test_a_second_action_is_the_last_step(self) -> None:
        goal = self.drafted(
            "Run 8 usability sessions with pharmacy staff before 20 January 2027 and present "
            "the top 5 findings to the product trio"
        )
        steps = [m.text for m in goal.milestones]

        assert steps[0] == "Run 3 of the 8 usability sessions with pharmacy staff", steps
        assert steps[2] == "Run all 8, and present the top 5 findings to the product trio"

    @pytest.mark.parametrize(
        "aspiration",
        ["I want to lose 5 kg", "Cut our build time by 3 minutes", "Work 4 days a week"],
    )
    def test_a_quantity_that_is_no_count_of_things_is_not_paced(self, aspiration: str) -> None:
        steps = [m.text for m in self.drafted(aspiration).milestones]

        assert not any(" of the " in step for step in steps), steps

    def test_the_count_quoted_in_a_reason_never_ends_inside_a_phrase(self) -> None:
        check = check_text(
            "Run three lunch-and-learn sessions on incident reviews for the wider team",
            today=TODAY,
        )
        measurable = next(v for v in check.verdicts if v.criterion == "measurable")

        assert measurable.status == "met"
        assert measurable.why == (
            "It gives something to count: 'Run three lunch-and-learn sessions on incident reviews'."
        )

    def test_a_quoted_count_ends_before_the_next_clause(self) -> None:
        # Once 'Try three parts of'.
        check = check_text(
            "Try three parts of a manager's job and decide if I want it", today=TODAY
        )
        measurable = next(v for v in check.verdicts if v.criterion == "measurable")

        assert "'Try three parts of a manager's job'" in measurable.why, measurable.why
