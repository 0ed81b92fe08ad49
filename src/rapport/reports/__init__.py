"""Analytics pages: the analyses drawn as charts, with filters and downloads, and the dashboard."""
