"""The tally over random ballots (property-based): the funded projects never exceed the
budget, ballots over the rule are refused, ties follow the declared rule, and counting the
same ballots again (in any order) gives the same result."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from smartcity.participation.voting import Project, Rules, check_choices, tally

projects_strategy = st.lists(
    st.integers(min_value=0, max_value=5_000_000), min_size=1, max_size=8
).map(lambda costs: [Project(i + 1, f"Projekt {i + 1}", cost) for i, cost in enumerate(costs)])
rules_strategy = st.builds(
    Rules,
    rule=st.sampled_from(["approval", "knapsack", "supports"]),
    max_choices=st.integers(min_value=1, max_value=5),
    budget_cents=st.integers(min_value=0, max_value=10_000_000),
    tie_break=st.sampled_from(["lower_cost", "earlier_proposal"]),
    min_share_percent=st.sampled_from([0, 0, 30, 80]),
    partial_funding=st.booleans(),
)


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[Project], list[list[int]], Rules]:
    projects = draw(projects_strategy)
    rules = draw(rules_strategy)
    ids = [p.id for p in projects]
    # Under "supports" a project may appear several times on a ballot (one per support).
    unique = rules.rule != "supports"
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), unique=unique), max_size=40))
    by_id = {p.id: p for p in projects}
    # Only ballots the casting service accepts are counted.
    valid = [b for b in ballots if not check_choices(by_id, b, rules)]
    return projects, valid, rules


@settings(max_examples=200, deadline=None)
@given(elections())
def test_the_funded_projects_never_exceed_the_budget(
    election: tuple[list[Project], list[list[int]], Rules],
) -> None:
    projects, ballots, rules = election
    result = tally(projects, ballots, rules)
    assert result.spent_cents <= rules.budget_cents
    assert result.spent_cents == sum(line.funded_cents for line in result.lines)
    assert all(line.funded_cents == line.project.cost_cents for line in result.lines if line.funded)
    # At most one project is funded in part, and only where the rules declare it.
    partly = [line for line in result.lines if line.partly]
    assert len(partly) <= (1 if rules.partial_funding else 0)
    assert result.ballots == len(ballots)
    assert sum(line.votes for line in result.lines) == sum(len(b) for b in ballots)


@settings(max_examples=200, deadline=None)
@given(elections())
def test_accepted_ballots_keep_to_the_rule(
    election: tuple[list[Project], list[list[int]], Rules],
) -> None:
    projects, ballots, rules = election
    costs = {p.id: p.cost_cents for p in projects}
    for ballot in ballots:
        if rules.rule in ("approval", "supports"):
            assert len(ballot) <= rules.max_choices
        else:
            assert sum(costs[c] for c in ballot) <= rules.budget_cents
            assert sum(costs[c] for c in ballot) * 100 >= rules.budget_cents * (
                rules.min_share_percent
            )


@settings(max_examples=200, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_a_recount_in_any_order_gives_the_same_result(
    election: tuple[list[Project], list[list[int]], Rules], shuffler: object
) -> None:
    projects, ballots, rules = election
    again = list(ballots)
    shuffler.shuffle(again)  # type: ignore[attr-defined]
    assert tally(projects, ballots, rules) == tally(list(reversed(projects)), again, rules)


@settings(max_examples=200, deadline=None)
@given(elections())
def test_ranks_follow_votes_and_the_declared_tie_break(
    election: tuple[list[Project], list[list[int]], Rules],
) -> None:
    projects, ballots, rules = election
    lines = tally(projects, ballots, rules).lines
    for before, after in pairwise(lines):
        assert before.votes >= after.votes
        if before.votes == after.votes:
            if rules.tie_break == "lower_cost":
                assert (before.project.cost_cents, before.project.id) < (
                    after.project.cost_cents,
                    after.project.id,
                )
            else:
                assert before.project.id < after.project.id


def test_a_project_that_does_not_fit_is_skipped_and_a_cheaper_next_one_funded() -> None:
    projects = [Project(1, "Groß", 70), Project(2, "Mittel", 50), Project(3, "Klein", 20)]
    result = tally(projects, [[1, 2, 3], [1, 2], [1]], Rules("approval", 3, 100, "lower_cost"))
    assert [(line.project.id, line.funded) for line in result.lines] == [
        (1, True),
        (2, False),
        (3, True),
    ]
    assert result.spent_cents == 90


def test_over_budget_and_foreign_ballots_are_refused() -> None:
    projects = {1: Project(1, "A", 60), 2: Project(2, "B", 50)}
    knapsack = Rules("knapsack", 5, 100, "lower_cost")
    assert check_choices(projects, [1, 2], knapsack)
    assert check_choices(projects, [3], knapsack)
    assert check_choices(projects, [1, 1], knapsack)
    assert check_choices(projects, [1], knapsack) == {}
    assert check_choices(projects, [1, 2], Rules("approval", 1, 100, "lower_cost"))


def test_supports_count_each_time_a_project_is_given_one() -> None:
    projects = {1: Project(1, "A", 60), 2: Project(2, "B", 50)}
    rules = Rules("supports", 3, 100, "lower_cost")
    assert check_choices(projects, [1, 1, 2], rules) == {}
    assert check_choices(projects, [1, 1, 1, 2], rules)  # four supports, three allowed
    result = tally(projects.values(), [[1, 1, 2], [2]], rules)
    assert [(line.project.id, line.votes) for line in result.lines] == [(1, 2), (2, 2)][::-1]


def test_the_next_project_gets_the_rest_with_partial_funding() -> None:
    projects = [Project(1, "Groß", 70), Project(2, "Mittel", 50), Project(3, "Klein", 20)]
    ballots = [[1, 2, 3], [1, 2], [1]]
    result = tally(projects, ballots, Rules("approval", 3, 100, "lower_cost", 0, True))
    assert [(line.project.id, line.funded, line.funded_cents) for line in result.lines] == [
        (1, True, 70),
        (2, False, 30),
        (3, False, 0),
    ]
    assert result.lines[1].partly
    assert result.spent_cents == 100


def test_a_knapsack_ballot_below_the_minimum_share_is_refused() -> None:
    projects = {1: Project(1, "A", 60), 2: Project(2, "B", 30)}
    rules = Rules("knapsack", 5, 100, "lower_cost", 50)
    assert check_choices(projects, [2], rules)  # 30 % of the budget
    assert check_choices(projects, [1], rules) == {}
