"""What readers see, built from the core's tables: display tables (:mod:`.views`), charts
(:mod:`.charts`), the report pieces a notebook cell shows (:mod:`.report`, from Jinja templates), and
the data set those pieces share (:mod:`.data`)."""
