"""Views of the orders API: thin, the same FilterSets, selectors and masking as the pages."""
