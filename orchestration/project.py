"""The dbt project, resolved once from this file's location.

The manifest is prepared at install/build time (`make manifest`, which runs
`dbt parse` only when a dbt file changed since the last one), never at import:
importing the definitions must stay fast and must not run dbt. The exception is
dagster-dbt's own: under `dagster dev` (`make dagster`), `prepare_if_dev()`
parses at load so that an edited model shows on the next code reload.
"""

from dagster_dbt import DbtProject

from orchestration.paths import DBT_PROFILES_DIR, REPO_ROOT

tousu_dbt_project = DbtProject(project_dir=REPO_ROOT, profiles_dir=DBT_PROFILES_DIR)
tousu_dbt_project.prepare_if_dev()
