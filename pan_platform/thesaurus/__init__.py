"""A multilingual thesaurus of police-training terms, kept by the secretariat, used to expand searches."""
