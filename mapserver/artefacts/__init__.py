"""Museum artefacts (hiện vật): the museums' inventory, imported from their Excel books, through the
shared record machinery (records/) with the review workflow."""
