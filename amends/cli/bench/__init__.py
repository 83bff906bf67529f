"""The benchmarks behind `amends bench …`: a fast seeder of a realistic data set (`seed.py`) and
the timing of the reports on it (`report_bench.py`). See docs/benchmarks.md."""
