"""Festivals (lễ hội): records with lunar-calendar dates, their solar dates per year and an iCalendar feed."""
