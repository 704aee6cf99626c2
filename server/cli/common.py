"""What every command module shares: exit statuses and the bad-input error."""

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_UNDETERMINED = 0, 1, 2, 3


class CliError(Exception):
    """Bad input: printed as one line on stderr, exit status 2."""
