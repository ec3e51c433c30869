// The action buttons' labels, shared by the incident page, the forms and the nomination's package.
/** Labels of the action buttons, in the order the flow reaches them. */
export const BUTTONS: Record<string, string> = {
  organic_recovery: "Organic recovery", request_assistance: "Request assistance", open_poll: "Poll components",
  answer_poll: "Answer poll", nominate: "Nominate", approve_nomination: "Approve", reject_nomination: "Reject",
  accept_task: "Accept task", decline_task: "Decline task", begin_recovery: "Begin recovery",
  abort_recovery: "Abort recovery", record_recovery: "Record recovery", hand_to_reintegration: "Hand to reintegration",
  replan: "Re-plan", declare_detained: "Persons detained", order_deliberate_recovery: "Order recovery by force",
  record_release: "Record release",
  change_duty_status: "Duty status", change_condition: "Condition", update_task: "PR task status", check_in: "Check in",
  update_position: "New position", set_check_in_interval: "Check-in interval", request_tacon: "Request TACON",
  approve_tacon: "Approve TACON", reject_tacon: "Reject TACON", close: "Close incident",
  relay_request_assistance: "Record request (voice)", relay_answer_poll: "Record answer (voice)",
  relay_decision: "Record JFC decision (voice)", relay_task_answer: "Record task answer (voice)",
  relay_begin_recovery: "Record start (voice)", confirm_record: "Confirm record", dispute_record: "Dispute record",
  resolve_record: "Settle dispute",
};
