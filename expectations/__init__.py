"""The Great Expectations suites, one JSON file per input form; installed as `balanced_pipeline.expectations`."""
