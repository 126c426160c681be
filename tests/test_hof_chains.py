"""extract_from and scan_data_for chains: laziness, immutability, steps, on_error modes, properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfsrules.hof import Chain, PatternScan, extract_from, scan_data_for


class Counter:
    """A callable that counts its calls and applies ``fn``."""

    def __init__(self, fn=lambda x: x):
        self.calls = 0
        self.fn = fn
        self.__name__ = "counter"

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


# ---- laziness and immutability ----------------------------------------------------------------------


def test_nothing_runs_before_use():
    double = Counter(lambda x: x * 2)
    keep = Counter(lambda x: x > 2)
    chain = extract_from([1, 2, 3]).transform_to(double).filter_by(keep).sort_by(lambda x: -x)
    assert double.calls == 0 and keep.calls == 0
    assert chain.collect() == [6, 4]
    assert double.calls == 3 and keep.calls == 3


@pytest.mark.parametrize("use", [len, list, bool, lambda c: c[0], lambda c: 4 in c, lambda c: c == [6, 4],
                                 lambda c: c.count(), lambda c: c.collect()])
def test_each_use_triggers_evaluation_once(use):
    double = Counter(lambda x: x * 2)
    chain = extract_from([1, 2, 3]).transform_to(double).filter_by(lambda x: x > 2)
    assert double.calls == 0
    use(chain)
    use(chain)
    assert double.calls == 3


def test_generator_source_is_read_once_and_not_before_use():
    consumed = []

    def produce():
        for i in range(4):
            consumed.append(i)
            yield i

    chain = extract_from(produce())
    evens = chain.filter_by(lambda x: x % 2 == 0)
    odds = chain.filter_by(lambda x: x % 2 == 1)
    assert consumed == []
    assert evens.collect() == [0, 2]
    assert odds.collect() == [1, 3]
    assert chain.collect() == [0, 1, 2, 3]
    assert consumed == [0, 1, 2, 3]


def test_one_shot_sources_are_pulled_only_as_far_as_needed():
    pulled = []

    def produce():
        for i in itertools.count():
            pulled.append(i)
            yield i

    chain = extract_from(produce())
    assert chain.take(3).collect() == [0, 1, 2]
    assert pulled == [0, 1, 2]
    assert chain.filter_by(lambda x: x % 2).take(2).collect() == [1, 3]
    assert pulled == [0, 1, 2, 3]
    assert chain.first() == 0 and pulled == [0, 1, 2, 3]


def test_large_sequences_are_not_copied():
    assert extract_from(range(10**12)).filter_by(lambda n: n % 7 == 3).take(2).collect() == [3, 10]


def test_using_a_chain_inside_its_own_source_is_an_error():
    def produce():
        yield len(chain)

    chain = extract_from(produce())
    with pytest.raises(RuntimeError, match="used inside the evaluation of its own source"):
        chain.collect()


def test_branching_does_not_affect_the_parent_or_siblings():
    base = extract_from([5, 3, 8, 1])
    ascending = base.sort_by(lambda x: x)
    descending = base.sort_by(lambda x: x, reverse=True)
    top_two = descending.take(2)
    assert base.collect() == [5, 3, 8, 1]
    assert ascending.collect() == [1, 3, 5, 8]
    assert descending.collect() == [8, 5, 3, 1]
    assert top_two.collect() == [8, 5]
    assert ascending is not base and descending is not base


def test_collect_returns_a_new_list_each_time():
    chain = extract_from([1, 2])
    first = chain.collect()
    first.append(99)
    assert chain.collect() == [1, 2]
    assert type(chain.collect()) is list


def test_source_list_mutated_before_use_is_seen():
    data = [1, 2]
    chain = extract_from(data).transform_to(lambda x: x * 10)
    data.append(3)
    assert chain.collect() == [10, 20, 30]


def test_take_stops_pulling_items():
    double = Counter(lambda x: x * 2)
    assert extract_from(range(100)).transform_to(double).take(3).collect() == [0, 2, 4]
    assert double.calls == 3


def test_first_computes_only_what_it_needs():
    double = Counter(lambda x: x * 2)
    chain = extract_from(range(100)).transform_to(double)
    assert chain.first() == 0
    assert double.calls == 1
    assert extract_from([]).first() is None
    assert extract_from([]).first(default="none") == "none"


def test_sequence_protocol():
    chain = extract_from(["a", "b", "c"])
    assert len(chain) == 3
    assert chain[1] == "b" and chain[-1] == "c"
    assert chain[0:2] == ["a", "b"]
    assert list(chain) == ["a", "b", "c"]
    assert "b" in chain and "z" not in chain
    assert chain == ["a", "b", "c"] and chain == ("a", "b", "c")
    assert chain != ["a"]
    assert chain == extract_from("abc"[i] for i in range(3))
    assert not extract_from([])
    assert bool(chain)
    with pytest.raises(TypeError):
        hash(chain)


def test_repr_shows_the_plan_without_running_it():
    fn = Counter()
    chain = extract_from([1]).filter_by(fn).sort_by("x", reverse=True).on_error("skip")
    assert repr(chain) == "<Chain extract_from(...).filter_by(counter).sort_by('x', reverse=True).on_error('skip')>"
    assert fn.calls == 0


def test_rejects_non_iterables_and_strings():
    with pytest.raises(TypeError):
        extract_from(5)
    with pytest.raises(TypeError):
        extract_from("abc")


# ---- steps ------------------------------------------------------------------------------------------


def test_sort_is_stable_in_both_directions():
    items = [("b", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5)]
    assert extract_from(items).sort_by(lambda t: t[0]).collect() == [("a", 2), ("a", 4), ("b", 1), ("b", 3), ("c", 5)]
    assert extract_from(items).sort_by(lambda t: t[0], reverse=True).collect() == [
        ("c", 5), ("b", 1), ("b", 3), ("a", 2), ("a", 4)]


def test_sort_with_incomparable_keys_raises_type_error():
    with pytest.raises(TypeError, match="sort_by: keys cannot be compared"):
        extract_from([1, None, 2]).sort_by(lambda x: x).collect()


def test_field_name_keys_read_keys_attributes_and_dotted_paths():
    rows = [{"a": {"b": 2}, "n": "x"}, {"a": {"b": 1}, "n": "y"}]
    assert extract_from(rows).sort_by("a.b").transform_to("n").collect() == ["y", "x"]
    assert extract_from(rows).filter_by("n").count() == 2
    assert extract_from(rows).group_by("n").transform_to("key").collect() == ["x", "y"]


def test_group_by_first_seen_order_and_unhashable_keys():
    items = [{"k": [1]}, {"k": [2]}, {"k": [1]}, {"k": {"x": 1}}]
    groups = extract_from(items).group_by(lambda d: d["k"]).collect()
    assert groups == [
        {"key": [1], "items": [{"k": [1]}, {"k": [1]}]},
        {"key": [2], "items": [{"k": [2]}]},
        {"key": {"x": 1}, "items": [{"k": {"x": 1}}]},
    ]


def test_group_by_then_transform_like_the_seed_report():
    metrics = [{"source": "a", "q": 0.5}, {"source": "b", "q": 0.9}, {"source": "a", "q": 0.7}]
    report = (extract_from(metrics)
              .group_by(lambda m: m["source"])
              .transform_to(lambda g: {"source": g["key"], "n": len(g["items"]),
                                       "avg": sum(i["q"] for i in g["items"]) / len(g["items"])})
              .sort_by(lambda r: r["avg"], reverse=True))
    assert report.collect() == [{"source": "b", "n": 1, "avg": 0.9}, {"source": "a", "n": 2, "avg": 0.6}]


def test_distinct_keeps_first_occurrence_and_handles_unhashables():
    assert extract_from([3, 1, 3, 2, 1]).distinct().collect() == [3, 1, 2]
    rows = [{"a": [1, 2]}, {"a": [1, 2]}, {"a": [2]}, {"a": {"z": 1, "y": 2}}, {"a": {"y": 2, "z": 1}}]
    assert extract_from(rows).distinct().collect() == [{"a": [1, 2]}, {"a": [2]}, {"a": {"z": 1, "y": 2}}]
    words = ["apple", "avocado", "banana", "blueberry", "cherry"]
    assert extract_from(words).distinct(key=lambda w: w[0]).collect() == ["apple", "banana", "cherry"]


def test_take_validates_its_argument():
    assert extract_from([1, 2, 3]).take(0).collect() == []
    assert extract_from([1, 2]).take(5).collect() == [1, 2]
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError):
            extract_from([1]).take(bad)


def test_count_and_first():
    chain = extract_from([4, 5, 6]).filter_by(lambda x: x > 4)
    assert chain.count() == 2
    assert chain.first() == 5


# ---- on_error ---------------------------------------------------------------------------------------


def _inverse(x):
    return 1 / x


def test_errors_raise_by_default():
    with pytest.raises(ZeroDivisionError):
        extract_from([1, 0, 2]).transform_to(_inverse).collect()


def test_on_error_skip_drops_failing_items():
    assert extract_from([1, 0, 2], on_error="skip").transform_to(_inverse).collect() == [1.0, 0.5]
    assert extract_from([1, 0, 2]).on_error("skip").filter_by(lambda x: 1 / x).collect() == [1, 2]


def test_on_error_collect_keeps_error_items_after_the_results():
    result = (extract_from([1, 0, 4, "x"]).on_error("collect")
              .transform_to(_inverse).sort_by(lambda x: x).collect())
    assert result == [
        0.25, 1.0,
        {"error": "ZeroDivisionError: division by zero", "item": 0},
        {"error": "TypeError: unsupported operand type(s) for /: 'int' and 'str'", "item": "x"},
    ]


def test_on_error_collect_in_sort_group_and_distinct_keys():
    rows = [{"k": 2}, {}, {"k": 1}]
    assert extract_from(rows, on_error="collect").sort_by("k").collect() == [
        {"k": 1}, {"k": 2}, {"error": "KeyError: 'k'", "item": {}}]
    assert extract_from(rows, on_error="skip").group_by("k").transform_to("key").collect() == [2, 1]
    assert extract_from(rows, on_error="collect").distinct("k").collect() == [
        {"k": 2}, {"k": 1}, {"error": "KeyError: 'k'", "item": {}}]


def test_on_error_rejects_unknown_modes():
    with pytest.raises(ValueError, match="on_error must be one of raise, skip, collect"):
        extract_from([1]).on_error("ignore")
    with pytest.raises(ValueError):
        extract_from([1], on_error="ignore")


# ---- scan_data_for ----------------------------------------------------------------------------------


RECORDS = [{"id": 1, "v": 5}, {"id": 2, "v": -1}, {"id": 3, "v": 500}, {"id": 4}]
PATTERNS = {
    "negative": lambda r: r.get("v", 0) < 0,
    "missing": lambda r: "v" not in r,
    "big": lambda r: r.get("v", 0) > 100,
}


def test_scan_order_records_then_patterns():
    both = {"any": lambda r: True, "even": lambda r: r["id"] % 2 == 0}
    found = scan_data_for(both).in_data(RECORDS).extract(lambda r, name: (r["id"], name)).collect()
    assert found == [(1, "any"), (2, "any"), (2, "even"), (3, "any"), (4, "any"), (4, "even")]


def test_scan_extract_filter_sort_like_the_seed():
    score = {"negative": 0.9, "missing": 0.8, "big": 0.6}
    anomalies = (scan_data_for(PATTERNS).in_data(RECORDS)
                 .extract(lambda r, name: {"id": r["id"], "pattern": name, "score": score[name]})
                 .filter_by(lambda a: a["score"] > 0.7)
                 .sort_by(lambda a: a["score"], reverse=True))
    assert anomalies.collect() == [{"id": 2, "pattern": "negative", "score": 0.9},
                                   {"id": 4, "pattern": "missing", "score": 0.8}]


def test_scan_without_extract_gives_match_dicts():
    scan = scan_data_for(PATTERNS).in_data(RECORDS)
    assert isinstance(scan, PatternScan)
    assert scan.collect() == [{"pattern": "negative", "record": RECORDS[1]},
                              {"pattern": "big", "record": RECORDS[2]},
                              {"pattern": "missing", "record": RECORDS[3]}]
    assert type(scan.filter_by(lambda m: True)) is Chain


def test_scan_list_of_predicates_named_by_function_name():
    def is_negative(r):
        return r.get("v", 0) < 0

    scanner = scan_data_for([is_negative, lambda r: "v" not in r])
    assert scanner.pattern_names == ["is_negative", "pattern_1"]
    names = scanner.in_data(RECORDS).extract(lambda r, name: name).collect()
    assert names == ["is_negative", "pattern_1"]


def test_scan_is_lazy():
    predicate = Counter(lambda r: True)
    scan = scan_data_for({"p": predicate}).in_data(RECORDS).extract(lambda r, n: r)
    assert predicate.calls == 0
    assert len(scan) == 4
    assert predicate.calls == 4


def test_scan_on_error_modes():
    patterns = {"over": lambda r: r["v"] > 1}
    with pytest.raises(KeyError):
        scan_data_for(patterns).in_data(RECORDS).extract(lambda r, n: r["id"]).collect()
    assert scan_data_for(patterns, on_error="skip").in_data(RECORDS).extract(lambda r, n: r["id"]).collect() == [1, 3]
    collected = scan_data_for(patterns).on_error("collect").in_data(RECORDS).extract(lambda r, n: r["id"]).collect()
    assert collected == [1, 3, {"error": "KeyError: 'v'", "pattern": "over", "record": {"id": 4}}]


def test_scan_extract_errors_follow_the_mode():
    scan = scan_data_for({"all": lambda r: True}, on_error="collect").in_data([{"v": 1}, {}])
    assert scan.extract(lambda r, n: r["v"]).collect() == [1, {"error": "KeyError: 'v'", "pattern": "all",
                                                                "record": {}}]


def test_scan_rejects_bad_patterns():
    with pytest.raises(TypeError):
        scan_data_for({"x": 3})
    with pytest.raises(TypeError):
        scan_data_for("not patterns")


# ---- properties -------------------------------------------------------------------------------------

ints = st.lists(st.integers(-50, 50), max_size=40)


@settings(max_examples=60, deadline=None)
@given(ints, st.integers(1, 7))
def test_filter_matches_list_comprehension(xs, k):
    def predicate(x):
        return x % k == 0

    assert extract_from(xs).filter_by(predicate).collect() == [x for x in xs if predicate(x)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers()), max_size=40), st.booleans())
def test_sort_matches_sorted_stably(pairs, reverse):
    def key(p):
        return p[0]

    assert extract_from(pairs).sort_by(key, reverse=reverse).collect() == sorted(pairs, key=key, reverse=reverse)


@settings(max_examples=60, deadline=None)
@given(ints, st.integers(1, 5))
def test_group_by_partitions_every_item(xs, k):
    groups = extract_from(xs).group_by(lambda x: x % k).collect()
    assert sorted(x for g in groups for x in g["items"]) == sorted(xs)
    assert len({g["key"] for g in groups}) == len(groups)
    for g in groups:
        assert g["items"] == [x for x in xs if x % k == g["key"]]
    assert [g["key"] for g in groups] == list(dict.fromkeys(x % k for x in xs))


@settings(max_examples=60, deadline=None)
@given(ints)
def test_distinct_matches_dict_fromkeys(xs):
    assert extract_from(xs).distinct().collect() == list(dict.fromkeys(xs))
