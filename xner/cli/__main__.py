"""`python -m xner.cli ...`: the same command as the `xner` entry point."""

from xner.cli import main

if __name__ == "__main__":
    main()
