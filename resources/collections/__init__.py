"""Featured collections: resources an editor picked, in order, with an introduction, for a school's
staff, a school's families or the whole platform community. Who sees a collection is decided by
its audience; who sees each item is decided by the library's own rules (`resources_visible_to`)
at every read, so an item made private later drops out of the collection for everyone else."""
