"""What a build measures: metrics, trigger rates, plots and the report."""
