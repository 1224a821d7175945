"""The customer's status link (/s/<token>): what a customer sees and may do without an account."""
