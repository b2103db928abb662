"""The project's own fake LLM provider (test infrastructure); import it from tests.support.fake_provider."""
