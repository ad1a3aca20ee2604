"""The annual report (`tousu report --year Y`): one self-contained HTML file."""
