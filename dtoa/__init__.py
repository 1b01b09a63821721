"""dtoa: drug testing on arrest for police custody suites in England and Wales."""

__version__ = "0.1.0"
