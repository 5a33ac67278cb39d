"""The pure core: the fact model, extraction and comparison. No I/O."""
