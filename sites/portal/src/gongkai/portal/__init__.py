"""Gongkai's public portal: a site built only from the public exchange (and, to rebuild, publishing's public
read side), with a store of its own."""
