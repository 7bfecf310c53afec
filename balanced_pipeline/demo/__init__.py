"""Parts of the demo-data generator; the entry point is `balanced_pipeline.demo.generate`."""
