"""pytest plugin for tests of processes and ports (fixtures, assert_receive, leak checks)."""
