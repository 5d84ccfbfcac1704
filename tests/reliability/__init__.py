"""The reliability suite: hostile responses, faulted writes, concurrent edits and a secret scan,
measured from outside the clients, with one summary line at the end of the pytest run."""
