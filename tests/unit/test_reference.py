"""The enumeration seeds, as ingestion reads them (orchestration/reference.py)."""

import duckdb

from orchestration import reference


def test_each_enumeration_is_read_whole_and_once():
    assert len(reference.statuses()) == len(set(reference.statuses())) == 6
    assert len(reference.domains()) == len(set(reference.domains())) == 9
    assert set(reference.reply_authors()) == {"platform", "mediator", "user"}
    # the rated statuses are some of the statuses, in the seed's order
    rated = reference.rated_statuses()
    assert rated and set(rated) < set(reference.statuses())
    assert list(rated) == [status for status in reference.statuses() if status in rated]


def test_sql_list_quotes_each_value_as_one_literal():
    values = ("已移交", "it's")
    sql = f"SELECT 'it''s' IN {reference.sql_list(values)}, 'x' IN {reference.sql_list(values)}"
    assert duckdb.sql(sql).fetchall() == [(True, False)]


def test_every_grade_has_its_count_column_in_the_annual_summary():
    """The report reads n_<code> of platform_annual_summary for each grade the seed lists."""
    import yaml

    from orchestration.paths import REPO_ROOT

    models = yaml.safe_load((REPO_ROOT / "models/marts/ratings/_ratings__models.yml").read_text(encoding="utf-8"))
    (summary,) = [model for model in models["models"] if model["name"] == "platform_annual_summary"]
    counted = {c["name"] for c in summary["columns"] if c["name"].startswith("n_") and c["name"] != "n_ratings"}
    assert counted == {f"n_{code}" for code, _ in reference.rating_grades()}
    assert len({name for _, name in reference.rating_grades()}) == 4
