"""The domain core: records, storage, form engine and rules. Imports no Qt, no UI."""
