"""All LaTeX and plain-text rendering of symconv objects."""
