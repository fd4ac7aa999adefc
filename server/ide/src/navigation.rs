//! Go to definition, find references and rename (placeholder).
