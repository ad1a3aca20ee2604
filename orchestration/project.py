"""The dbt project, resolved once from this file's location.

The manifest is prepared at install/build time (`make manifest`, i.e. `dbt
parse`), never at import: importing the definitions must stay fast and must not
run dbt.
"""

from pathlib import Path

from dagster_dbt import DbtProject

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROFILES_DIR = REPO_ROOT / "dbt_project"

tousu_dbt_project = DbtProject(project_dir=REPO_ROOT, profiles_dir=DBT_PROFILES_DIR)
