"""ETL over the lake: PySpark jobs (``jobs.py``, the script AWS Glue runs), the Glue Data
Catalog's table definitions (``catalog.py``) and a local runner (``local.py``)."""
