"""Asset keys and groups that jobs, sensors and checks name.

Kept apart from the asset definitions so that naming an asset never imports
one: the dbt assets read the manifest when imported, and jobs.py must stay
importable by the in-process runner before the manifest is prepared.
"""

import dagster as dg

INGESTION_GROUP = "ingestion"
SERVING_GROUP = "serving"

LANDING_FILES = dg.AssetKey(["landing", "files"])
RAW_COMPLAINTS = dg.AssetKey(["raw", "complaints"])
RAW_PLATFORMS = dg.AssetKey(["raw", "platforms"])
RAW_CFPB_COMPLAINTS = dg.AssetKey(["raw", "cfpb_complaints"])
AUDIT_INGESTED_FILES = dg.AssetKey(["audit", "ingested_files"])
AUDIT_QUARANTINE = dg.AssetKey(["audit", "quarantine"])
AUDIT_PURGED_LINES = dg.AssetKey(["audit", "purged_lines"])
# What a build's ingestion writes, each read by dbt as a source.
INGESTION_KEYS = (RAW_COMPLAINTS, RAW_PLATFORMS, RAW_CFPB_COMPLAINTS, AUDIT_INGESTED_FILES, AUDIT_QUARANTINE)

# The dbt model published_ratings (schema marts), built only by publication.
PUBLICATION_MODEL = "published_ratings"
PUBLISHED_RATINGS = dg.AssetKey(["marts", PUBLICATION_MODEL])

SERVING_MARTS = dg.AssetKey(["serving", "marts"])

# The two dbt asset definitions (ops), as run config names them.
DBT_ASSET_NAME = "tousu_dbt_models"
PUBLICATION_ASSET_NAME = "tousu_publication"
