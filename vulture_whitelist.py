"""Names `vulture` cannot see used: called by a framework, a template, a test or a tool.

`make lint` runs `vulture pan_platform vulture_whitelist.py`; a name listed here is one
that is used, only not by a call vulture can follow. A dead name is removed, not listed.
"""

# ruff: noqa: F821, B018
# Flask, Flask-Login, Flask-Babel, WTForms and SQLAlchemy read these by name.
create_app  # wsgi.py and the tests
compile_templates  # gunicorn.conf.py when_ready
warm_up  # gunicorn.conf.py post_worker_init
__getattr__  # module attribute hook (PEP 562)
_.login_view  # Flask-Login
_.timezone_selector  # Flask-Babel
_use_the_users_time_zone  # registered by assignment
_globals  # Jinja context processor
_.process_data  # WTForms field hook
_.validate_area_codes  # WTForms validate_<field>
_.validate_files
confirm  # WTForms field
widget  # WTForms field widgets
option_widget
flush_context  # SQLAlchemy event signatures
instances
mapper
# Columns and relationships: part of the schema, read in the database and templates.
invited_by_id
invited_by
updated_by_id
_.updated_by_id
decided_at
_.decided_at
decided_by
adaptation_request_id  # the notification's request to adapt (its relationship's key)
created_by
revoked_by
uploaded_by
restored_from_id  # the entry a restore put back (templates/history/item_history.html)
visible  # a column of the preview table (templates/workspace/preview.html)
file_version_id  # the key column of file_previews, set through FileVersion.preview
_.pan_label_overrides  # cache on the request context
_.pan_request_started  # read back with g.get("pan_request_started")
_.url_lang  # environ key read in i18n.py
# Read in templates.
_.as_args
_.has_prev
_.has_next
_.prev_num  # the workspace pager
_.next_num
corrected
_.current_file  # a material's first file (item pages, older callers)
_.earlier_versions  # a file's earlier versions (item page)
_.corrected
added_at  # when an item went into a collection (collections/models.py)
last_sent_at  # when a saved search's last digest left (alerts/digests.py)
drafts  # the personal start page (templates/alerts/start.html)
_.drafts
collection_counts
_.collection_counts
new_items
_.new_items
# Read by the benchmark (bench/) and the tests.
seconds
_.seconds
_.store_name
use_fast_password_hashing
code_at
digest_of_tables
take_queue
related_terms
# Whoosh calls these on its writer and pool objects (search/whoosh_internals.py).
_.iter_postings
_.cleanup
_._added
_.is_closed
_._flush_segment
# The block Whoosh's postings writer writes next, filled a block at a time (_fill_block).
_._ids
_._weights
_._values
_._maxweight
_._minlength
_._maxlength
# tarfile and random module attributes set on purpose.
_.mtime
_.seed
# Whoosh reads these class attributes and calls this method on query classes
# (search/engine.py AtLeast, search/query.py _Clauses).
_.JOINT
_.intersect_merge
_._matcher
_.qclass
# Read by the offline package status template; WeasyPrint calls its URL fetcher's fetch().
_.percent
_.fetch
# Read by the filter templates (macros/facets.html, macros/forms.html).
_.ITEM_KIND_PLURALS
# Events: seats_left is read by the event page; nominated_by_id records who nominated.
_.seats_left
_.nominated_by_id
# Read by Werkzeug when it compiles a route with the id converter.
_.regex
# The dashboard's figures read by its template (overview/templates/overview/dashboard.html).
usage_countries
adoption
_.usage_countries
_.adoption
# Page cache: set on flask.g before the view, read back by name after it (g.pop, g.get).
_.page_cache_key
_.page_cache_until
# Country profiles: read by the profile, history and version templates.
_.review_comment
_.submitted_by
_.contact_lines
# Experts: the directory page builds its facet links with ExpertFilters.without().
_.without
