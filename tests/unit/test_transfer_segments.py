"""The history by place: runs of paid months, their months adding up to the months paid."""

from __future__ import annotations

from app.domain.transfer import Segment, segments


def test_runs_by_place_oldest_first() -> None:
    months = [(2014, 11, "440106"), (2014, 12, "440106"), (2015, 1, "110105")]
    months += [(2015, 9, "110105"), (2014, 12, "440106")]  # a gap; a month twice
    assert segments(months) == [
        Segment("440106", (2014, 11), (2014, 12), 2),
        Segment("110105", (2015, 1), (2015, 9), 2),
    ]


def test_a_return_is_a_segment_of_its_own_and_the_months_add_up() -> None:
    months = [(2010, m, "440106") for m in range(1, 13)]
    months += [(2011, m, "110105") for m in range(1, 7)]
    months += [(2011, m, "440106") for m in range(7, 13)]
    found = segments(months)
    assert [(s.region, s.months) for s in found] == [("440106", 12), ("110105", 6), ("440106", 6)]
    assert sum(s.months for s in found) == len(months)


def test_no_months_no_segments() -> None:
    assert segments([]) == []
