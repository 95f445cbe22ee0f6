"""services/followup: staff alerts, customer messages, webhooks.

__main__     the process: gRPC API, Temporal worker, digest schedules
servicer     the gRPC edge (convert: protobuf <-> records)
store        the follow-up tables: templates, messages, webhooks, deliveries
activities   the Temporal activities of the follow-up task queue
messenger    letters to customers, staff alerts, customers' replies
templates    letter templates (context: what a letter sees of a case;
             regulators: where a customer may refer a complaint)
email        a message as an e-mail (sending: redress/platform/mail.py)
webhooks     case events signed and posted to the firm's webhooks
alerts       which staff hear of which case events (digests: held alerts
             gathered into one message)
settings     what the service reads from its environment
"""
