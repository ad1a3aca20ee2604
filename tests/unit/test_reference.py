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
