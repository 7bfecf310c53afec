from balanced_pipeline.cli import main

main()
