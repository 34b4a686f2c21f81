-- delete: removes a field. Returns 1 if it existed (and had not expired), else 0.
return delete_field(load(FIELD), FIELD)
