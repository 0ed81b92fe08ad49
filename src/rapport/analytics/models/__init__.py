"""Statistical models fitted on arrays (per-customer summaries), no database in sight."""
