"""singer-run from Airflow, with the state and the lock in PostgreSQL (see README.md)."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

STATE = "postgres://singer_runner@db.internal:5432/ops?schema=singer_run&history=50"

with DAG(
    dag_id="orders",
    schedule="*/15 * * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
) as dag:
    BashOperator(
        task_id="tap_csv_to_postgres",
        bash_command=(
            "singer-run --timeout 50m "
            f"--state '{STATE}#orders' "
            "'tap-csv --config /etc/singer/orders/tap.json' "
            "'target-postgres --config /etc/singer/orders/target.json'"
        ),
        # PGPASSWORD comes from the worker's environment or ~/.pgpass, never the URI.
        append_env=True,
        # 75: another run holds the pipeline's lock; nothing ran, nothing to alert on.
        skip_on_exit_code=75,
        retries=2,
        retry_delay=timedelta(minutes=2),
        execution_timeout=timedelta(minutes=55),
    )
