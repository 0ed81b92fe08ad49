"""Settings an admin changes in the pages, kept in the database over the environment's."""
