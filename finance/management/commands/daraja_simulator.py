"""Run the local Daraja (M-Pesa) for the demo and for development.

    manage.py daraja_simulator --port 8001 --callback-delay 3

Point the app at it with DARAJA_BASE_URL=http://127.0.0.1:8001 (the default). The customer's
answer depends on the phone's last digit (see finance/daraja/simulator.py), or on what
`POST /simulator/scenario {"phone": "2547…", "scenario": "cancel"}` set; `GET /simulator/state`
shows what it received and posted.
"""

import threading

from django.core.management.base import BaseCommand

from finance.daraja.simulator import BY_LAST_DIGIT, SimulatorServer


class Command(BaseCommand):
    help = "Run a local Daraja (M-Pesa API) that prompts, calls back and takes Paybill payments."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--callback-delay", type=float, default=3.0, help="seconds the simulated customer takes to answer"
        )
        parser.add_argument("--token-lifetime", type=int, default=3599, help="seconds an access token lives")
        parser.add_argument(
            "--no-phone-scenarios",
            action="store_true",
            help="every phone pays unless /simulator/scenario says otherwise (no last-digit scenarios)",
        )
        # For smoke tests: serve this many seconds, then stop (0: until Ctrl-C).
        parser.add_argument("--serve-seconds", type=float, default=0, help="stop after this many seconds")

    def handle(self, *args, **options):
        server = SimulatorServer(
            options["host"],
            options["port"],
            callback_delay=options["callback_delay"],
            token_lifetime=options["token_lifetime"],
            scenarios_by_last_digit=not options["no_phone_scenarios"],
        ).start()
        self.stdout.write(self.style.SUCCESS(f"Daraja simulator on {server.url} (DARAJA_BASE_URL={server.url})"))
        self.stdout.write(f"Callbacks {options['callback_delay']:g} s after each prompt.")
        if server.scenarios_by_last_digit:
            table = ", ".join(f"…{digit} {scenario}" for digit, scenario in sorted(BY_LAST_DIGIT.items()))
            self.stdout.write(f"Phones ending {table}; any other digit pays.")
        self.stdout.write(f"State: {server.url}/simulator/state. Ctrl-C stops.")
        stop = threading.Event()
        try:
            stop.wait(options["serve_seconds"] or None)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            self.stdout.write("Daraja simulator stopped.")
