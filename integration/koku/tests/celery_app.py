"""The Celery app of the tests, configured as koku configures its own (koku/koku/settings.py:691-706,
koku/koku/celery.py:168-177): JSON only, one message prefetched per process, Redis as broker and result
backend. The worker (``celery -A celery_app worker``) and the tests' client both import it.

``result_extended`` is the tests' addition: the result backend then keeps each task's retry count,
which the tests read.
"""

import os

from celery import Celery

BROKER = os.environ["KOKU_TEST_BROKER_URL"]

app = Celery("koku-summary-tests", broker=BROKER, backend=BROKER, include=["koku_summary.tasks"])
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    worker_prefetch_multiplier=1,
    worker_max_tasks_per_child=10,
    task_default_queue="summary",
    broker_connection_retry_on_startup=True,
    result_extended=True,
)
app.set_default()
