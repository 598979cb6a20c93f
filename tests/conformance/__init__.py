"""One behavioural suite, run against every backend the ``kit`` fixture offers."""
