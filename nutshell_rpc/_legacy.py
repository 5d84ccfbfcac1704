# Generated from nutshell_core.catalog by nutshell_rpc._legacy_gen: do not edit by hand.
"""Every legacy JSON-RPC method as a real method, generated from the catalog.

Each method binds its arguments through the catalog signature and forwards to ``call``;
parameters left out are not sent, so the server applies its own defaults (shown in each
docstring as the documented defaults).
"""

from __future__ import annotations

from typing import Any

from nutshell_core.calls import OMITTED

__all__ = ["LegacyMethods"]


class LegacyMethods:
    """The legacy Nutshell JSON-RPC surface; subclasses provide :meth:`call`."""

    __slots__ = ()

    def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call ``method`` with arguments bound through its catalog signature."""
        raise NotImplementedError

    def add(self, num1: Any, num2: Any) -> Any:
        """Test method: the sum

        Signature: add(num1, num2). Access: read; returns: value.
        """
        return self.call("add", num1=num1, num2=num2)

    def addEmail(self, emailString: Any) -> Any:
        """The Email stored from RFC 822 text (RB's name for newEmail)

        Signature: addEmail(emailString). Access: write; returns: record.
        """
        return self.call("addEmail", emailString=emailString)

    def deleteAccount(self, accountId: Any, rev: Any) -> Any:
        """true

        Signature: deleteAccount(accountId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteAccount", accountId=accountId, rev=rev)

    def deleteActivity(self, activityId: Any, rev: Any) -> Any:
        """true

        Signature: deleteActivity(activityId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteActivity", activityId=activityId, rev=rev)

    def deleteContact(self, contactId: Any, rev: Any) -> Any:
        """true

        Signature: deleteContact(contactId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteContact", contactId=contactId, rev=rev)

    def deleteLead(self, leadId: Any, rev: Any) -> Any:
        """true

        Signature: deleteLead(leadId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteLead", leadId=leadId, rev=rev)

    def deleteNote(self, noteId: Any, rev: Any) -> Any:
        """true

        Signature: deleteNote(noteId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteNote", noteId=noteId, rev=rev)

    def deleteProduct(self, productId: Any, rev: Any) -> Any:
        """true

        Signature: deleteProduct(productId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteProduct", productId=productId, rev=rev)

    def deleteTask(self, taskId: Any, rev: Any) -> Any:
        """true

        Signature: deleteTask(taskId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteTask", taskId=taskId, rev=rev)

    def deleteTeam(self, teamId: Any, rev: Any) -> Any:
        """true (signature by analogy)

        Signature: deleteTeam(teamId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteTeam", teamId=teamId, rev=rev)

    def deleteUser(self, userId: Any, rev: Any) -> Any:
        """true

        Signature: deleteUser(userId, rev). Access: write; returns: boolean.
        """
        return self.call("deleteUser", userId=userId, rev=rev)

    def describeCustomFields(self) -> Any:
        """Older name of findCustomFields (RB); same result

        Signature: describeCustomFields(). Access: read; returns: map.
        """
        return self.call("describeCustomFields")

    def editAccount(self, accountId: Any, rev: Any, account: Any) -> Any:
        """The Account with a new rev; 409 on a stale rev; rev 'REV_IGNORE' skips the check

        Signature: editAccount(accountId, rev, account). Access: write; returns: record.
        """
        return self.call("editAccount", accountId=accountId, rev=rev, account=account)

    def editActivity(self, activityId: Any, rev: Any, activity: Any) -> Any:
        """The Activity with a new rev; 409 on a stale rev; rev 'REV_IGNORE' skips the check

        Signature: editActivity(activityId, rev, activity). Access: write; returns: record.
        """
        return self.call("editActivity", activityId=activityId, rev=rev, activity=activity)

    def editContact(self, contactId: Any, rev: Any, contact: Any) -> Any:
        """The Contact with a new rev; 409 on a stale rev; rev 'REV_IGNORE' skips the check

        Signature: editContact(contactId, rev, contact). Access: write; returns: record.
        """
        return self.call("editContact", contactId=contactId, rev=rev, contact=contact)

    def editLead(self, leadId: Any, rev: Any, lead: Any) -> Any:
        """The full Lead with a new rev; multi-value fields are replaced; 409 on a stale rev;
        rev 'REV_IGNORE' skips the check

        Signature: editLead(leadId, rev, lead). Access: write; returns: record.
        """
        return self.call("editLead", leadId=leadId, rev=rev, lead=lead)

    def editNote(self, noteId: Any, rev: Any, note: Any) -> Any:
        """The Note; note is a string; only the author, only within 24 hours

        Signature: editNote(noteId, rev, note). Access: write; returns: record.
        """
        return self.call("editNote", noteId=noteId, rev=rev, note=note)

    def editProduct(self, productId: Any, rev: Any, product: Any) -> Any:
        """The Product with a new rev; 409 on a stale rev; rev 'REV_IGNORE' skips the check

        Signature: editProduct(productId, rev, product). Access: write; returns: record.
        """
        return self.call("editProduct", productId=productId, rev=rev, product=product)

    def editStep(self, stepId: Any, rev: Any, step: Any) -> Any:
        """The Step; step keys status, assignee, choice, delay; 409 on a stale rev; rev
        'REV_IGNORE' skips the check

        Signature: editStep(stepId, rev, step). Access: write; returns: record.
        """
        return self.call("editStep", stepId=stepId, rev=rev, step=step)

    def editTask(self, taskId: Any, rev: Any, task: Any) -> Any:
        """The Task with a new rev; 409 on a stale rev; rev 'REV_IGNORE' skips the check

        Signature: editTask(taskId, rev, task). Access: write; returns: record.
        """
        return self.call("editTask", taskId=taskId, rev=rev, task=task)

    def editTeam(self, teamId: Any, rev: Any, team: Any) -> Any:
        """The Team (signature by analogy)

        Signature: editTeam(teamId, rev, team). Access: write; returns: record.
        """
        return self.call("editTeam", teamId=teamId, rev=rev, team=team)

    def editUser(self, userId: Any, rev: Any, user: Any) -> Any:
        """The User with a new rev; 409 on a stale rev; rev 'REV_IGNORE' skips the check

        Signature: editUser(userId, rev, user). Access: write; returns: record.
        """
        return self.call("editUser", userId=userId, rev=rev, user=user)

    def findAccountTypes(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Account type stubs

        Signature: findAccountTypes(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findAccountTypes",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findAccounts(
        self,
        query: Any = OMITTED,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Account stubs; orderBy 'name'

        Signature: findAccounts(query=None, orderBy='name', orderDirection='ASC', limit=50,
        page=1, stubResponses=True). Access: read; returns: stubs.
        """
        return self.call(
            "findAccounts",
            query=query,
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findActivities(
        self,
        query: Any = OMITTED,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Activity stubs (full with stubResponses=false); orderBy default 'name'

        Signature: findActivities(query=None, orderBy='name', orderDirection='ASC',
        limit=50, page=1, stubResponses=True). Access: read; returns: stubs.
        """
        return self.call(
            "findActivities",
            query=query,
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findActivityTypes(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Activity_Type stubs

        Signature: findActivityTypes(orderBy='name', orderDirection='ASC', limit=50,
        page=1). Access: read; returns: stubs.
        """
        return self.call(
            "findActivityTypes",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findAudiences(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Audience stubs

        Signature: findAudiences(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findAudiences",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findBackups(self) -> Any:
        """Backups (shape undocumented)

        Signature: findBackups(). Access: read; returns: value.
        """
        return self.call("findBackups")

    def findCompetitors(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Competitor stubs

        Signature: findCompetitors(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findCompetitors",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findContacts(
        self,
        query: Any = OMITTED,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Contact stubs; orderBy default 'id' (RB-OLD; PY-KW uses 'name')

        Signature: findContacts(query=None, orderBy='id', orderDirection='ASC', limit=50,
        page=1, stubResponses=True). Access: read; returns: stubs.
        """
        return self.call(
            "findContacts",
            query=query,
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findCustomFields(self) -> Any:
        """{Leads: [attr], Contacts: [attr], Accounts: [attr]}; attr has at least name

        Signature: findCustomFields(). Access: read; returns: map.
        """
        return self.call("findCustomFields")

    def findDelays(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Delay stubs (shape undocumented)

        Signature: findDelays(orderBy='id', orderDirection='ASC', limit=50, page=1). Access:
        read; returns: stubs.
        """
        return self.call(
            "findDelays",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findIndustries(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Industry stubs

        Signature: findIndustries(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findIndustries",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findLead_Outcomes(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Full Lead_Outcomes {id, rev, description, type}; orderBy default 'description'

        Signature: findLead_Outcomes(orderBy='description', orderDirection='ASC', limit=50,
        page=1). Access: read; returns: records.
        """
        return self.call(
            "findLead_Outcomes",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findLeads(
        self,
        query: Any = OMITTED,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Lead stubs (full leads with stubResponses=false, limit <= 100); orderBy default 'id'

        Signature: findLeads(query=None, orderBy='id', orderDirection='ASC', limit=50,
        page=1, stubResponses=True). Access: read; returns: stubs.
        """
        return self.call(
            "findLeads",
            query=query,
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findMarkets(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Market stubs

        Signature: findMarkets(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findMarkets",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findMilestones(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Full Milestones (REST stages) {id, rev, name, position, stagesetId}

        Signature: findMilestones(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: records.
        """
        return self.call(
            "findMilestones",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findOrigins(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Origin stubs

        Signature: findOrigins(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findOrigins",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findProducts(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Product stubs; no query parameter (DOC-CORE, RB); orderBy default 'name'

        Signature: findProducts(orderBy='name', orderDirection='ASC', limit=50, page=1,
        stubResponses=True). Access: read; returns: stubs.
        """
        return self.call(
            "findProducts",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findSettings(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Setting stubs (shape undocumented)

        Signature: findSettings(orderBy='id', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findSettings",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findSources(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Source stubs

        Signature: findSources(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findSources",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findStagesets(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Full Stagesets (pipelines); orderBy default undocumented, 'name' as PY-BC sends

        Signature: findStagesets(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: records.
        """
        return self.call(
            "findStagesets",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findTags(self) -> Any:
        """{Leads: [...], Contacts: [...], Accounts: [...]}; element shape uncertain

        Signature: findTags(). Access: read; returns: map.
        """
        return self.call("findTags")

    def findTasks(
        self,
        query: Any = OMITTED,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Tasks (shape uncertain); orderBy default 'due_time' (PY-KW)

        Signature: findTasks(query=None, orderBy='due_time', orderDirection='ASC', limit=50,
        page=1, stubResponses=True). Access: read; returns: stubs.
        """
        return self.call(
            "findTasks",
            query=query,
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findTeams(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Team stubs

        Signature: findTeams(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findTeams",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findTerritories(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """Territory stubs

        Signature: findTerritories(orderBy='name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findTerritories",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def findTimeline(
        self,
        query: Any = OMITTED,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
        stubResponses: Any = OMITTED,
    ) -> Any:
        """Full Activities, Emails and Notes of {entityType, id} in query; orderBy default
        'time'

        Signature: findTimeline(query=None, orderBy='time', orderDirection='ASC', limit=50,
        page=1, stubResponses=True). Access: read; returns: records.
        """
        return self.call(
            "findTimeline",
            query=query,
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
            stubResponses=stubResponses,
        )

    def findUsers(
        self,
        orderBy: Any = OMITTED,
        orderDirection: Any = OMITTED,
        limit: Any = OMITTED,
        page: Any = OMITTED,
    ) -> Any:
        """User stubs; orderBy default 'last_name'

        Signature: findUsers(orderBy='last_name', orderDirection='ASC', limit=50, page=1).
        Access: read; returns: stubs.
        """
        return self.call(
            "findUsers",
            orderBy=orderBy,
            orderDirection=orderDirection,
            limit=limit,
            page=page,
        )

    def getAccount(self, accountId: Any, rev: Any = OMITTED) -> Any:
        """The full Account

        Signature: getAccount(accountId, rev=None). Access: read; returns: record.
        """
        return self.call("getAccount", accountId=accountId, rev=rev)

    def getActivity(self, activityId: Any, rev: Any = OMITTED) -> Any:
        """The full Activity

        Signature: getActivity(activityId, rev=None). Access: read; returns: record.
        """
        return self.call("getActivity", activityId=activityId, rev=rev)

    def getAnalyticsReport(
        self,
        reportType: Any,
        period: Any,
        filter: Any = OMITTED,
        options: Any = OMITTED,
    ) -> Any:
        """{seriesData, summaryData, periodDescription, deltaPeriodDescription}; filter =
        [{entityId, entityName}]

        Signature: getAnalyticsReport(reportType, period, filter=None, options=None).
        Access: read; returns: map.
        """
        return self.call(
            "getAnalyticsReport",
            reportType=reportType,
            period=period,
            filter=filter,
            options=options,
        )

    def getApiForUsername(self, username: Any) -> Any:
        """Discovery, no auth: {iphone, mobile, api, login} hosts; endpoint is
        https://<api>/api/v1/json

        Signature: getApiForUsername(username). Access: read; returns: map.
        """
        return self.call("getApiForUsername", username=username)

    def getContact(self, contactId: Any, rev: Any = OMITTED) -> Any:
        """The full Contact

        Signature: getContact(contactId, rev=None). Access: read; returns: record.
        """
        return self.call("getContact", contactId=contactId, rev=rev)

    def getEmail(self, emailId: Any, rev: Any = OMITTED) -> Any:
        """The Email

        Signature: getEmail(emailId, rev=None). Access: read; returns: record.
        """
        return self.call("getEmail", emailId=emailId, rev=rev)

    def getLead(self, leadId: Any, rev: Any = OMITTED) -> Any:
        """The full Lead

        Signature: getLead(leadId, rev=None). Access: read; returns: record.
        """
        return self.call("getLead", leadId=leadId, rev=rev)

    def getMobileSettings(self) -> Any:
        """Mobile app settings (shape undocumented)

        Signature: getMobileSettings(). Access: read; returns: map.
        """
        return self.call("getMobileSettings")

    def getNote(self, noteId: Any, rev: Any = OMITTED) -> Any:
        """The Note

        Signature: getNote(noteId, rev=None). Access: read; returns: record.
        """
        return self.call("getNote", noteId=noteId, rev=rev)

    def getProduct(self, productId: Any, rev: Any = OMITTED) -> Any:
        """The Product with its full price list

        Signature: getProduct(productId, rev=None). Access: read; returns: record.
        """
        return self.call("getProduct", productId=productId, rev=rev)

    def getTask(self, taskId: Any, rev: Any = OMITTED) -> Any:
        """The Task (shape uncertain)

        Signature: getTask(taskId, rev=None). Access: read; returns: record.
        """
        return self.call("getTask", taskId=taskId, rev=rev)

    def getTeam(self, teamId: Any, rev: Any = OMITTED) -> Any:
        """The Team (signature by analogy)

        Signature: getTeam(teamId, rev=None). Access: read; returns: record.
        """
        return self.call("getTeam", teamId=teamId, rev=rev)

    def getUpdateTimes(self) -> Any:
        """Last update times (shape undocumented)

        Signature: getUpdateTimes(). Access: read; returns: map.
        """
        return self.call("getUpdateTimes")

    def getUser(self, userId: Any = OMITTED, rev: Any = OMITTED) -> Any:
        """The User; without userId, the authenticated user

        Signature: getUser(userId=None, rev=None). Access: read; returns: record.
        """
        return self.call("getUser", userId=userId, rev=rev)

    def instanceData(self) -> Any:
        """Instance information (shape undocumented)

        Signature: instanceData(). Access: read; returns: map.
        """
        return self.call("instanceData")

    def newAccount(self, account: Any) -> Any:
        """The new Account (rev '0')

        Signature: newAccount(account). Access: write; returns: record.
        """
        return self.call("newAccount", account=account)

    def newActivity(self, activity: Any) -> Any:
        """The new Activity

        Signature: newActivity(activity). Access: write; returns: record.
        """
        return self.call("newActivity", activity=activity)

    def newBackup(self) -> Any:
        """Starts a backup (result undocumented)

        Signature: newBackup(). Access: write; returns: value.
        """
        return self.call("newBackup")

    def newContact(self, contact: Any) -> Any:
        """The new Contact; needs at least a name, phone or email

        Signature: newContact(contact). Access: write; returns: record.
        """
        return self.call("newContact", contact=contact)

    def newEmail(self, emailString: Any) -> Any:
        """The Email stored from RFC 822 text

        Signature: newEmail(emailString). Access: write; returns: record.
        """
        return self.call("newEmail", emailString=emailString)

    def newLead(self, lead: Any) -> Any:
        """The full new Lead, with the default pipeline, status 0 and the caller as assignee

        Signature: newLead(lead). Access: write; returns: record.
        """
        return self.call("newLead", lead=lead)

    def newNote(self, entity: Any, note: Any) -> Any:
        """The new Note; entity = {entityType, id} (shape inferred), note = a string

        Signature: newNote(entity, note). Access: write; returns: record.
        """
        return self.call("newNote", entity=entity, note=note)

    def newProduct(self, product: Any) -> Any:
        """The new Product

        Signature: newProduct(product). Access: write; returns: record.
        """
        return self.call("newProduct", product=product)

    def newSource(self, name: Any) -> Any:
        """The Source of that name, created if missing (get-or-create: idempotent in practice)

        Signature: newSource(name). Access: write; returns: record.
        """
        return self.call("newSource", name=name)

    def newTag(self, tag: Any) -> Any:
        """The new Tag; tag = {name, entityType}; an error if the name already exists

        Signature: newTag(tag). Access: write; returns: record.
        """
        return self.call("newTag", tag=tag)

    def newTask(self, task: Any) -> Any:
        """The new Task; task e.g. {title, description, entity: {entityType, id}}

        Signature: newTask(task). Access: write; returns: record.
        """
        return self.call("newTask", task=task)

    def newTeam(self, team: Any) -> Any:
        """The new Team (signature by analogy)

        Signature: newTeam(team). Access: write; returns: record.
        """
        return self.call("newTeam", team=team)

    def newUser(self, user: Any) -> Any:
        """The new User

        Signature: newUser(user). Access: write; returns: record.
        """
        return self.call("newUser", user=user)

    def searchAccounts(self, string: Any, limit: Any = OMITTED) -> Any:
        """Account stubs

        Signature: searchAccounts(string, limit=10). Access: read; returns: stubs.
        """
        return self.call("searchAccounts", string=string, limit=limit)

    def searchActivityParticipants(self, string: Any, limit: Any = OMITTED) -> Any:
        """User, Contact and Account stubs (PY-CR only)

        Signature: searchActivityParticipants(string, limit=10). Access: read; returns:
        stubs.
        """
        return self.call("searchActivityParticipants", string=string, limit=limit)

    def searchByEmail(self, emailAddressString: Any) -> Any:
        """{contacts: [...], accounts: [...]}, up to 5 stubs

        Signature: searchByEmail(emailAddressString). Access: read; returns: map.
        """
        return self.call("searchByEmail", emailAddressString=emailAddressString)

    def searchContacts(self, string: Any, limit: Any = OMITTED) -> Any:
        """Contact stubs

        Signature: searchContacts(string, limit=10). Access: read; returns: stubs.
        """
        return self.call("searchContacts", string=string, limit=limit)

    def searchContactsAndUsers(self, string: Any, limit: Any = OMITTED) -> Any:
        """Contact and User stubs, mixed

        Signature: searchContactsAndUsers(string, limit=10). Access: read; returns: stubs.
        """
        return self.call("searchContactsAndUsers", string=string, limit=limit)

    def searchLeads(self, string: Any, limit: Any = OMITTED) -> Any:
        """Lead stubs; limit default 40

        Signature: searchLeads(string, limit=40). Access: read; returns: stubs.
        """
        return self.call("searchLeads", string=string, limit=limit)

    def searchProducts(self, string: Any, limit: Any = OMITTED) -> Any:
        """Product stubs

        Signature: searchProducts(string, limit=10). Access: read; returns: stubs.
        """
        return self.call("searchProducts", string=string, limit=limit)

    def searchSources(self, string: Any, limit: Any = OMITTED) -> Any:
        """Source stubs

        Signature: searchSources(string, limit=10). Access: read; returns: stubs.
        """
        return self.call("searchSources", string=string, limit=limit)

    def searchUniversal(self, string: Any) -> Any:
        """Stub lists by type: contacts, accounts, probably leads (uncertain)

        Signature: searchUniversal(string). Access: read; returns: map.
        """
        return self.call("searchUniversal", string=string)

    def searchUsersAndTeams(self, string: Any, limit: Any = OMITTED) -> Any:
        """User and Team stubs, mixed

        Signature: searchUsersAndTeams(string, limit=10). Access: read; returns: stubs.
        """
        return self.call("searchUsersAndTeams", string=string, limit=limit)
