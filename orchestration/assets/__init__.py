"""Dagster assets: landing → raw (ingestion), dbt models, serving exports."""
