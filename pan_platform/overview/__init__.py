"""The overview of the network: usage statistics (COUNTER-style views and downloads per
item and month) and the insight dashboard (coverage, languages, levels, growth, usage,
adoption and gaps), each counting only what the viewer may read."""
