"""The dbt project, resolved once from this file's location.

The manifest is prepared at install/build time (`make manifest`, i.e. `dbt
parse`), never at import: importing the definitions must stay fast and must not
run dbt.
"""

from dagster_dbt import DbtProject

from orchestration.paths import DBT_PROFILES_DIR, REPO_ROOT

tousu_dbt_project = DbtProject(project_dir=REPO_ROOT, profiles_dir=DBT_PROFILES_DIR)
