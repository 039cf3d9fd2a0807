"""The command line: argument parsing, one module per command, configuration, progress. The only
place that prints and exits.
"""
