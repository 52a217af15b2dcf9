"""newsarchive: turn heaps of scraped news into a research corpus."""
