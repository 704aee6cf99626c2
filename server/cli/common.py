"""What every command module shares: exit statuses and the bad-input error."""

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_UNDETERMINED, EXIT_INTERNAL = 0, 1, 2, 3, 4

# printed by ``cloudkader --help`` and ``cloudkader validate --help``; README.md says the same
EXIT_STATUS_HELP = """exit status:
  0  conforms: every applicable check decided and holds (or nothing failed at the --fail-on level)
  1  a blocking violation (always fails the run); with --fail-on warning also a warning or advice
  2  bad input or usage: a file that cannot be read or used (named on stderr; the other files are
     still checked), an unknown option or framework
  3  no violation, but some check is undetermined: the description leaves facts out (deployment
     model, data categories, data location, provider jurisdiction); 0 with --fail-on violation
  4  internal error: the store cannot be reached, the knowledge is missing, or cloudkader failed
     (never 0 or 1: a pipeline cannot mistake it for a verdict)"""


class CliError(Exception):
    """Bad input: printed as one line on stderr, exit status 2."""
